"""The report as PDF: the same HTML document laid out by WeasyPrint (its print stylesheet).

WeasyPrint is imported here only, so that the other commands never load it.
"""

from __future__ import annotations

from pathlib import Path


def write_pdf(html: str, path: Path) -> None:
    """Lay out ``html`` (self-contained: no file or network is read) and write it as PDF."""
    from weasyprint import HTML

    def no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        message = f"the report must be self-contained; it asked for {url!r}"
        raise ValueError(message)

    HTML(string=html, url_fetcher=no_fetch).write_pdf(path)
