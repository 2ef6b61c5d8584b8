"""fsf report --pdf: a PDF whose text carries the fund total, every state, the head and the annex."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from optimizer.cli import EXIT_OK, main

ROOT = Path(__file__).resolve().parent.parent
FASP = ROOT / "scenarios/fasp-2026/scenario.yaml"


def _weasyprint_problem() -> str | None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as err:  # OSError: the system's pango is missing
        return f"WeasyPrint cannot load ({err}); .ci/run installs its system packages"
    return None


pytestmark = pytest.mark.skipif(
    _weasyprint_problem() is not None, reason=str(_weasyprint_problem())
)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    args = ["report", str(FASP), "--pdf", "--out", str(out), "--date", "2026-12-02"]
    assert main(["-v", *args]) == EXIT_OK
    return out


def test_pdf_text_has_the_fund_total_and_all_32_states(pdf: Path) -> None:
    """The PDF's extracted text holds $9,941,162,915, every state name, the head and the annex."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "$9,941,162,915" in text
    with (ROOT / "scenarios/fasp-2026/data/states.csv").open(encoding="utf-8-sig") as f:
        names = [row["entidad"] for row in csv.DictReader(f)]
    assert len(names) == 32
    missing = [name for name in names if name not in text]
    assert not missing
    for needle in (
        "Distribución del FASP 2026 entre las entidades federativas",
        "2 de diciembre de 2026",
        "Ley de Coordinación Fiscal, artículos 44 y 45",
        "Aviso: esta distribución se basa en supuestos",
        "Anexo técnico",
        "CC BY 4.0",
    ):
        assert needle in text, needle
    pages = len(reader.pages)
    assert f"Página 1 de {pages}" in text
    assert f"Página {pages} de {pages}" in text


def test_pdf_has_the_maps_as_vector_paths(pdf: Path) -> None:
    """The maps are drawn (vector paths in the page content), not left out by the layout."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    maps_page = next(
        page for page in reader.pages if "Cambio respecto del ejercicio 2025" in page.extract_text()
    )
    content = maps_page.get_contents()
    assert content is not None
    # A filled and stroked path (operator B) per state outline of the map.
    assert len(re.findall(rb"\bB\b", content.get_data())) >= 32


def test_same_input_same_pdf_bytes(pdf: Path, tmp_path: Path) -> None:
    """A second run with the same scenario and date writes the same bytes."""
    again = tmp_path / "again.pdf"
    args = ["report", str(FASP), "--pdf", "--out", str(again), "--date", "2026-12-02"]
    assert main(args) == EXIT_OK
    assert again.read_bytes() == pdf.read_bytes()


def test_pdf_of_too_many_regions_is_refused_before_solving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Past MAX_PDF_REGIONS regions --pdf exits 2 at once, pointing at the HTML report."""
    from optimizer.limits import MAX_PDF_REGIONS

    n = MAX_PDF_REGIONS + 1
    rows = "".join(f"{k:03d},Municipio {k},{1000 + k}\n" for k in range(1, n + 1))
    (tmp_path / "regions.csv").write_text("clave,nombre,poblacion\n" + rows, encoding="utf-8")
    (tmp_path / "scenario.yaml").write_text(
        "format_version: 1\nname: many\n"
        "fund: {name: Fondo, fiscal_year: 2026, total: 100000000}\n"
        "regions: {file: regions.csv, code: clave, name: nombre, population: poblacion}\n"
        "criteria: [{indicator: poblacion, weight: 1.0}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.pdf"
    args = ["report", str(tmp_path / "scenario.yaml"), "--pdf", "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"a lo más {MAX_PDF_REGIONS} entidades y este escenario tiene {n}" in err
    assert not out.exists()
