"""The report as PDF: the same HTML document laid out by WeasyPrint (its print stylesheet).

WeasyPrint is imported here only, so that the other commands never load it.
"""

from __future__ import annotations

from pathlib import Path


class PdfUnavailableError(Exception):
    """WeasyPrint or the system libraries it needs (pango) cannot be loaded."""


def write_pdf(html: str, path: Path) -> None:
    """Lay out ``html`` (self-contained: no file or network is read) and write it as PDF.

    Raises
    ------
    PdfUnavailableError
        When WeasyPrint cannot be imported (not installed, or pango missing from the system).
    """
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as err:
        message = (
            f"--pdf needs WeasyPrint and the system's pango library ({err}); on Debian: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
        )
        raise PdfUnavailableError(message) from None

    def no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        message = f"the report must be self-contained; it asked for {url!r}"
        raise ValueError(message)

    HTML(string=html, url_fetcher=no_fetch).write_pdf(path)
