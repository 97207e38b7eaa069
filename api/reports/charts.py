"""Bar charts for the weekly report (matplotlib, Agg backend, a real CJK font).

Each chart keeps the numbers it actually drew, read back from the bars after drawing: the report's
tests compare those with the database, so a chart that plots the wrong series fails a test without
anyone looking at pixels.
"""

from __future__ import annotations

import base64
import io
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402  (the backend must be chosen first)
from matplotlib.figure import Figure  # noqa: E402

logger = logging.getLogger("vigil.api")
_LOCK = threading.Lock()  # matplotlib's font cache and rcParams are process-wide


@dataclass(frozen=True, slots=True)
class Chart:
    """One rendered chart: what it is about, the numbers drawn per label, the PNG."""

    key: str
    title: str
    labels: list[str]
    values: list[float]
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode()


@cache
def _font_name(font_path: str) -> str:
    """Register the CJK font file with matplotlib once; returns its family name."""
    if not Path(font_path).is_file():
        raise RuntimeError(
            f"CJK font {font_path} is missing; install the Debian package fonts-noto-cjk "
            "(scripts/setup.sh does) or set weekly_report.cjk_font"
        )
    font_manager.fontManager.addfont(font_path)
    return str(font_manager.FontProperties(fname=font_path).get_name())


def bar_chart(
    key: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    font_path: str,
    horizontal: bool = False,
) -> Chart:
    """A bar chart of ``values`` by ``labels``; the returned values are read back from the bars."""
    family = _font_name(font_path)
    with _LOCK:
        fig = Figure(figsize=(6.2, 2.6 if not horizontal else max(2.2, 0.32 * len(labels) + 0.9)))
        ax = fig.add_subplot()
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
            text.set_fontfamily(family)
        positions = list(range(len(labels)))
        if horizontal:
            bars = ax.barh(positions, list(values), color="#3a6ea5")
            ax.set_yticks(positions, list(labels), fontfamily=family, fontsize=8)
            ax.invert_yaxis()
            drawn = [float(b.get_width()) for b in bars]
        else:
            bars = ax.bar(positions, list(values), color="#3a6ea5")
            ax.set_xticks(positions, list(labels), fontfamily=family, fontsize=8)
            drawn = [float(b.get_height()) for b in bars]
        ax.bar_label(bars, fontsize=7)
        ax.set_title(title, fontfamily=family, fontsize=10)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
    return Chart(key=key, title=title, labels=list(labels), values=drawn, png=buf.getvalue())
