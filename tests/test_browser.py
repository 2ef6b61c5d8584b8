"""The HTML report opened as a person opens it: in a real headless Chromium (Debian's package).

Chromium is driven through Playwright with the system's binary (never a downloaded browser).
Without chromium or Playwright the tests are SKIPPED with the reason; CI (.ci/run) installs both.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from optimizer.cli import EXIT_OK, main

ROOT = Path(__file__).resolve().parent.parent
FASP = ROOT / "scenarios/fasp-2026/scenario.yaml"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The system's chromium (FSF_CHROMIUM overrides), or None."""
    given = os.environ.get("FSF_CHROMIUM")
    if given:
        return given if Path(given).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _skip_reason() -> str | None:
    if chromium_path() is None:
        return "chromium is not installed (CI installs Debian's chromium: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", str(FASP), "--out", str(out), "--date", "2026-12-02"]) == EXIT_OK
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path(),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1200, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def page(browser: Any, report: Path) -> Iterator[tuple[Any, list[str], list[str]]]:
    """The report loaded, with the console errors and the non-file requests it made."""
    errors: list[str] = []
    requests: list[str] = []
    tab = browser.new_page()
    tab.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on(
        "request",
        lambda request: (
            requests.append(request.url)
            if not request.url.startswith(("file:", "data:", "about:"))
            else None
        ),
    )
    tab.goto(report.as_uri(), wait_until="load")
    yield tab, errors, requests
    tab.close()


def colours_and_ink(png: bytes) -> tuple[int, float]:
    """Distinct colours in a screenshot and the share of pixels that are not white."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    counts = image.getcolors(maxcolors=image.width * image.height) or []
    white = sum(n for n, colour in counts if colour == (255, 255, 255))
    return len(counts), 1 - white / (image.width * image.height)


def test_opens_without_console_errors_or_network(page: tuple[Any, list[str], list[str]]) -> None:
    """No console error, no script error, no request outside the file itself."""
    tab, errors, requests = page
    assert tab.title() == "Distribución del FASP 2026 entre las entidades federativas"
    assert errors == []
    assert requests == []


def test_both_maps_render_32_coloured_states(page: tuple[Any, list[str], list[str]]) -> None:
    """Each map draws 32 visible, filled state outlines, and its screenshot is not blank."""
    tab, _, _ = page
    for css_id in ("map-change", "map-per-capita"):
        states = tab.locator(f"#{css_id} path.state")
        assert states.count() == 32
        fills = tab.eval_on_selector_all(
            f"#{css_id} path.state", "els => els.map(e => getComputedStyle(e).fill)"
        )
        assert len(fills) == 32
        assert "rgb(217, 217, 217)" not in fills  # the 'no data' grey
        assert len(set(fills)) >= 3
        sizes = tab.eval_on_selector_all(
            f"#{css_id} path.state",
            "els => els.map(e => { const b = e.getBBox(); return b.width * b.height; })",
        )
        assert min(sizes) > 0
        shot = tab.locator(f"#{css_id} svg").screenshot()
        colours, ink = colours_and_ink(shot)
        assert colours >= 5
        assert ink > 0.2


def test_bar_chart_renders_bars_bands_and_scale(page: tuple[Any, list[str], list[str]]) -> None:
    """The states chart draws 32 bars of positive width (plus the legend), bands and ticks."""
    tab, _, _ = page
    widths = tab.eval_on_selector_all(
        "#bars-states rect.bar", "els => els.map(e => e.getBBox().width)"
    )
    assert len(widths) == 33
    assert min(widths) > 0
    assert tab.locator("#bars-states rect.band").count() == 33
    assert tab.locator("#bars-states text.tick").count() >= 4
    assert tab.locator("#bars-programas rect.bar").count() == 10
    colours, ink = colours_and_ink(tab.locator("#bars-states").screenshot())
    assert colours >= 5
    assert ink > 0.1


def test_tables_and_justifications_are_visible(page: tuple[Any, list[str], list[str]]) -> None:
    """The states table shows 32 rows and the totals; all 32 justifications are laid out."""
    tab, _, _ = page
    assert tab.locator("table.states tbody tr").count() == 32
    assert "$9,941,162,915" in tab.locator("table.states tfoot").inner_text()
    heights = tab.eval_on_selector_all(
        "section.justification", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert len(heights) == 32
    assert min(heights) > 20


def test_print_layout_keeps_justifications_and_paginates(
    page: tuple[Any, list[str], list[str]],
) -> None:
    """In print media the justifications stay expanded and major sections start a new page."""
    tab, _, _ = page
    tab.emulate_media(media="print")
    try:
        heights = tab.eval_on_selector_all(
            "section.justification", "els => els.map(e => e.getBoundingClientRect().height)"
        )
        assert min(heights) > 20
        breaks = tab.eval_on_selector_all(
            "h2.page", "els => els.map(e => getComputedStyle(e).breakBefore)"
        )
        assert breaks
        assert set(breaks) == {"page"}
        pdf = tab.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF")
    finally:
        tab.emulate_media(media="screen")
