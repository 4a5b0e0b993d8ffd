"""Widgets that keep working on the static course site: precomputed views switched in the browser.

Why not ``ipywidgets.interact``: its callback is Python, and a published HTML page has no
kernel to run it, so the control would move and nothing would change. Instead ``explorer``
renders *every* combination of the control values up front (in the kernel that executes the
page) and stacks the results in ``ipywidgets.Stack`` containers. Each control is connected to
its Stacks with ``ipywidgets.jslink``, a link that runs in the browser. When the site is built,
the executed notebook's widget state (every view, every link) is embedded in the page, and the
ipywidgets HTML manager re-creates the widgets from it: choosing a value shows the matching
precomputed view, with no kernel. Live in Jupyter the very same widget behaves identically.

With two or more controls the Stacks are nested: the first control picks a child of the
outer Stack, the second control picks a child of *every* Stack one level down, and so on.
The cost is one render per combination, so keep the grids small (``max_views``).

Example::

    from book.widgets import explorer

    def render(choice):                          # {"lr": "1e-3", "epochs": 3}
        fig, ax = axes(f"lr={choice['lr']}", "step", "loss (nats/token)")
        ...
        return fig                               # or an ipywidgets.Widget, or an HTML string

    explorer({"lr": ["1e-4", "1e-3"], "epochs": [1, 3]}, render, kind={"epochs": "slider"})
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import ipywidgets as widgets
from matplotlib.figure import Figure
from tqdm import tqdm

from book.plots import to_png

View = widgets.Widget | Figure | str
"""What ``render`` may return: a widget, a matplotlib figure (shown as PNG) or an HTML string."""

ControlKind = Literal["dropdown", "slider", "toggle"]
CONTROL_KINDS: dict[str, Callable[..., widgets.Widget]] = {
    "dropdown": widgets.Dropdown,
    "slider": widgets.SelectionSlider,
    "toggle": widgets.ToggleButtons,
}


def as_widget(view: View) -> widgets.Widget:
    """Wrap what a render function returned so that it can be a Stack child."""
    if isinstance(view, widgets.Widget):
        return view
    if isinstance(view, Figure):
        return widgets.Image(value=to_png(view), format="png")
    if isinstance(view, str):
        return widgets.HTML(value=view)
    raise TypeError(
        "render must return an ipywidgets.Widget, a matplotlib Figure or an HTML str; "
        f"found {type(view).__name__}"
    )


def _control(name: str, values: Sequence[Any], kind: ControlKind) -> widgets.Widget:
    """A selection widget whose synced ``index`` trait says which value is chosen."""
    if kind not in CONTROL_KINDS:
        raise ValueError(
            f"control kind for {name!r} must be one of {list(CONTROL_KINDS)}; found {kind!r}"
        )
    labels = [str(v) for v in values]
    if len(set(labels)) != len(labels):
        raise ValueError(f"values of control {name!r} must print differently; found {labels}")
    options = [(label, i) for i, label in enumerate(labels)]
    control = CONTROL_KINDS[kind](options=options, index=0, description=name)
    control.style.description_width = "initial"
    if kind == "toggle":
        control.style.button_width = "auto"  # the default 148 px wraps short labels
    return control


def explorer(
    controls: Mapping[str, Sequence[Any]],
    render: Callable[[dict[str, Any]], View],
    *,
    kind: ControlKind | Mapping[str, ControlKind] = "dropdown",
    max_views: int = 64,
) -> widgets.VBox:
    """Controls above a view; every view is precomputed so the widget works on a static page.

    Args:
        controls: control name -> the values it offers, in display order (first is selected).
        render: called once per combination with ``{name: value}``; returns a ``View``.
        kind: ``"dropdown"``, ``"slider"`` or ``"toggle"`` for all controls, or per name.
        max_views: refuse grids larger than this (each view is stored in the page).

    Returns:
        ``VBox([*controls, nested Stacks])``, one control per row. The controls drive the
        Stacks through browser-side ``jslink``s, so Python does not see the selection.
    """
    names = list(controls)
    if not names:
        raise ValueError("explorer needs at least one control; found none")
    empty = [n for n in names if len(controls[n]) == 0]
    if empty:
        raise ValueError(f"every control needs at least one value; empty: {empty}")
    sizes = [len(controls[n]) for n in names]
    total = math.prod(sizes)
    if total > max_views:
        raise ValueError(
            f"explorer would precompute {total} views ({' x '.join(map(str, sizes))} for "
            f"{names}); expected at most max_views={max_views}: use fewer values per control"
        )
    kinds = {n: kind if isinstance(kind, str) else kind.get(n, "dropdown") for n in names}
    selectors = [_control(n, controls[n], kinds[n]) for n in names]

    stacks_at_level: list[list[widgets.Stack]] = [[] for _ in names]
    # A text bar, not tqdm.auto's widget: a widget bar would be embedded in the published page.
    progress = tqdm(total=total, desc="precomputing views", unit="view")

    def build(level: int, chosen: dict[str, Any]) -> widgets.Widget:
        if level == len(names):
            view = as_widget(render(dict(chosen)))
            progress.update()
            return view
        name = names[level]
        children = [build(level + 1, {**chosen, name: value}) for value in controls[name]]
        stack = widgets.Stack(children=children, selected_index=0)
        stacks_at_level[level].append(stack)
        return stack

    with progress:
        root = build(0, {})
    for selector, stacks in zip(selectors, stacks_at_level, strict=True):
        for stack in stacks:
            widgets.jslink((selector, "index"), (stack, "selected_index"))
    return widgets.VBox([*selectors, root])
