"""book.widgets / book.plots: every view precomputed, links wired as the browser will use them.

The Python tests read the widget state exactly as it is embedded in a built page
(``Widget.get_manager_state``) and replay what the browser's ``jslink`` does, for every
combination of control values. The Chromium test then checks the real thing on the built site.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

from book.plots import axes, to_png
from book.widgets import explorer

REPO = Path(__file__).resolve().parent.parent
CHECK_SCRIPT = REPO / "tests" / "browser" / "check_widgets.py"
BUILT_PAGE = REPO / "_build" / "html" / "chapters" / "setup.html"
CHROMIUM = Path("/usr/bin/chromium")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

CONTROLS = {"lr": ["1e-4", "1e-3", "1e-2"], "epochs": [1, 3]}


def label(choice: dict) -> str:
    return f"lr={choice['lr']} epochs={choice['epochs']}"


def manager_state() -> dict:
    return widgets.Widget.get_manager_state(drop_defaults=False)["state"]


def model_id(ref: str) -> str:
    assert ref.startswith("IPY_MODEL_"), ref
    return ref.removeprefix("IPY_MODEL_")


def visible_leaf(box: widgets.VBox, state: dict, indices: list[int]) -> widgets.Widget:
    """Set the controls, propagate through the embedded Link models like the browser does, and
    walk the Stacks' selected indices down to the view a reader would see."""
    *controls, root = box.children
    for control, index in zip(controls, indices, strict=True):
        control.index = index
    by_id = {w.model_id: w for w in [*controls, *_stacks(root)]}
    for entry in state.values():
        if entry["model_name"] == "LinkModel":
            (src, src_attr), (dst, dst_attr) = entry["state"]["source"], entry["state"]["target"]
            source, target = by_id.get(model_id(src)), by_id.get(model_id(dst))
            if source is not None and target is not None:
                setattr(target, dst_attr, getattr(source, src_attr))
    node = root
    while isinstance(node, widgets.Stack):
        node = node.children[node.selected_index]
    return node


def _stacks(node: widgets.Widget) -> list[widgets.Stack]:
    if not isinstance(node, widgets.Stack):
        return []
    return [node] + [s for child in node.children for s in _stacks(child)]


def test_every_combination_is_rendered_once_and_nested_in_control_order():
    calls: list[dict] = []

    def render(choice: dict) -> str:
        calls.append(choice)
        return f"<b>{label(choice)}</b>"

    box = explorer(CONTROLS, render)
    *controls, root = box.children
    assert [c.description for c in controls] == ["lr", "epochs"]
    assert [c.options for c in controls][0] == (("1e-4", 0), ("1e-3", 1), ("1e-2", 2))
    expected = [dict(zip(CONTROLS, v, strict=True)) for v in itertools.product(*CONTROLS.values())]
    assert calls == expected
    assert len(root.children) == 3 and all(len(s.children) == 2 for s in root.children)
    assert root.children[2].children[1].value == "<b>lr=1e-2 epochs=3</b>"


def test_links_select_the_matching_view_for_every_combination():
    box = explorer(CONTROLS, lambda c: label(c), kind={"epochs": "toggle"})
    state = manager_state()
    *controls, root = box.children
    assert isinstance(controls[0], widgets.Dropdown)
    assert isinstance(controls[1], widgets.ToggleButtons)
    links = [
        e["state"]
        for e in state.values()
        if e["model_name"] == "LinkModel"
        and model_id(e["state"]["source"][0]) in {c.model_id for c in controls}
    ]
    # one link per (control, Stack at its level): 1 outer Stack + 3 inner Stacks
    assert len(links) == 4
    assert all(link["source"][1] == "index" for link in links)
    assert all(link["target"][1] == "selected_index" for link in links)
    for indices in itertools.product(range(3), range(2)):
        shown = visible_leaf(box, state, list(indices))
        lr, epochs = CONTROLS["lr"][indices[0]], CONTROLS["epochs"][indices[1]]
        assert shown.value == label({"lr": lr, "epochs": epochs})


def test_figures_become_png_images_and_are_closed():
    def render(choice: dict):
        fig, ax = axes(f"T = {choice['T']}", "token", "probability")
        ax.plot([0, 1], [0, choice["T"]])
        return fig

    before = set(plt.get_fignums())
    box = explorer({"T": [0.5, 2.0]}, render, kind="slider")
    images = box.children[1].children
    assert all(
        isinstance(i, widgets.Image) and bytes(i.value).startswith(PNG_MAGIC) for i in images
    )
    assert images[0].value != images[1].value
    assert isinstance(box.children[0], widgets.SelectionSlider)
    assert set(plt.get_fignums()) == before, "figures must be closed, or Jupyter shows them twice"


def test_a_widget_returned_by_render_is_used_as_is():
    made = widgets.Label("x")
    assert explorer({"a": [1]}, lambda c: made).children[1].children[0] is made


@pytest.mark.parametrize(
    ("controls", "render", "kwargs", "error", "message"),
    [
        ({}, str, {}, ValueError, "at least one control"),
        ({"a": []}, str, {}, ValueError, "empty: ['a']"),
        ({"a": [1, "1"]}, str, {}, ValueError, "must print differently"),
        ({"a": [1, 2]}, str, {"kind": "knob"}, ValueError, "found 'knob'"),
        ({"a": range(9), "b": range(8)}, str, {}, ValueError, "72 views (9 x 8"),
        ({"a": [1]}, lambda c: 42, {}, TypeError, "found int"),
    ],
)
def test_bad_input_says_what_was_expected_and_found(controls, render, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        explorer(controls, render, **kwargs)


def test_axes_sets_title_and_labels_and_to_png_closes_the_figure():
    fig, ax = axes("Loss", "optimizer step", "loss (nats/token)")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (
        "Loss",
        "optimizer step",
        "loss (nats/token)",
    )
    number = fig.number
    assert to_png(fig).startswith(PNG_MAGIC)
    assert number not in plt.get_fignums()


def run_check(page: Path, screenshot: Path, timeout_s: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(CHECK_SCRIPT),
            str(page),
            "--screenshot",
            str(screenshot),
            "--timeout",
            str(timeout_s),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed")
@pytest.mark.skipif(not BUILT_PAGE.exists(), reason="site not built: run `make site` first")
def test_built_widget_renders_and_switches_views_offline_in_chromium():
    result = run_check(BUILT_PAGE, REPO / "_build" / "screenshots" / "setup_widget.png", 60)
    assert result.returncode == 0, result.stderr
    observed = json.loads(result.stdout)
    assert observed["counts"]["selects"] == 1 and observed["counts"]["toggles"] >= 2
    assert len(set(observed["views"])) == 3, "each control change must show another picture"
    assert observed["requests_outside_the_page"] == []
    assert Path(observed["screenshot"]).read_bytes().startswith(PNG_MAGIC)


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed")
@pytest.mark.skipif(not BUILT_PAGE.exists(), reason="site not built: run `make site` first")
def test_browser_check_fails_when_the_widget_script_is_missing(tmp_path):
    site = tmp_path / "html"
    shutil.copytree(BUILT_PAGE.parent.parent, site)
    (site / "_static" / "ipywidgets" / "embed-amd.js").unlink()
    result = run_check(site / "chapters" / "setup.html", tmp_path / "shot.png", 5)
    assert result.returncode == 1
    assert "timed out" in result.stderr and "dropdown" in result.stderr
