"""One look for every course figure, and a way to turn a figure into PNG bytes.

Why a module: figures are read on the site, in Jupyter and inside widgets (as precomputed
PNGs), so they should look the same everywhere and always carry a title and labelled axes
with units (a course convention). ``axes`` makes the labels required arguments rather than
something to remember.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

STYLE: dict[str, object] = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": "medium",
}
"""matplotlib rcParams of the course look (read when the axes are created); small figures so
pages and widgets stay light."""


def axes(
    title: str, xlabel: str, ylabel: str, *, figsize: tuple[float, float] | None = None
) -> tuple[Figure, Axes]:
    """A new figure in the course style with its title and axis labels (include units).

    Example: ``fig, ax = axes("Training loss", "optimizer step", "loss (nats/token)")``.
    """
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=figsize)
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return fig, ax


def to_png(fig: Figure, *, dpi: int = 100) -> bytes:
    """PNG bytes of ``fig``, then close it so the notebook does not display it a second time."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
