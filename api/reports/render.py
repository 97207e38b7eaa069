"""HTML (Jinja2) and PDF (WeasyPrint) rendering of task sheets and weekly reports.

WeasyPrint lays out HTML+CSS with Pango, so Chinese text is shaped by the system's fonts (Debian's
fonts-noto-cjk): the same template gives the web page and the A4 print, and text stays text in the PDF
(searchable, and checkable with pdftotext). ReportLab would need every table drawn by hand.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

logger = logging.getLogger("vigil.api")
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _fmt_time(value: Any, tz: Any = None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if tz is not None:
        value = value.astimezone(tz)
    return str(value.strftime("%Y-%m-%d %H:%M"))


def _fmt_seconds(value: float) -> str:
    m, s = divmod(int(value), 60)
    return f"{m:02d}:{s:02d}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["time"] = _fmt_time
    env.filters["mmss"] = _fmt_seconds
    env.filters["pct"] = _pct
    return env


def render_html(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def html_to_pdf(html: str) -> bytes:
    """A4 PDF from the HTML; raises RuntimeError naming the Debian packages when WeasyPrint's
    system libraries are missing."""
    try:
        import weasyprint
    except OSError as e:  # pango/harfbuzz not installed
        raise RuntimeError(
            "WeasyPrint cannot load its system libraries; install the Debian packages "
            "libpango-1.0-0 libpangoft2-1.0-0 (scripts/setup.sh does)"
        ) from e
    pdf: bytes = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    return pdf
