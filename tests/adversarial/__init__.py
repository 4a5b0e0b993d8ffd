"""Fixture notebooks for the engine tests, generated from code strings (nothing committed).

The fixture exercise ``add`` (``tests/fixtures/engine``) has two parts: ``add`` (``add(a, b)``:
2 visible points + 2 hidden) and ``mean`` (``mean(xs)``: 1 visible + 2 hidden), 7 points in
all. Its reference and hidden checks carry canary strings that must never reach a student.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "engine"
SOLUTIONS = FIXTURE / "solutions"
CANARIES = ("CANARY-REFERENCE-7f3a9c", "CANARY-HIDDEN-51b2e0")
TOTAL_POINTS = 7.0

SETUP = "import math\nOFFSET = 0.0\n"
CORRECT_ADD = "def add(a, b):\n    return a + b + OFFSET\n"
CORRECT_MEAN = "def mean(xs):\n    return math.fsum(xs) / len(xs)\n"
WRONG_ADD = "def add(a, b):\n    return a - b\n"
WRONG_MEAN = "def mean(xs):\n    return sum(xs) / (len(xs) + 1)\n"
STUB_ADD = "def add(a, b):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
STUB_MEAN = "def mean(xs):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
HONEST_WRONG_POINTS = 0.0
"""What WRONG_ADD + WRONG_MEAN earn: every attack must score at most this much."""


@pytest.fixture
def fixture_exercise(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the exercise lookup at the fixture folders (never the real autograde/visible)."""
    monkeypatch.setenv("AUTOGRADE_EXERCISES", str(FIXTURE))
    monkeypatch.setenv("AUTOGRADE_SOLUTIONS", str(SOLUTIONS))
    return FIXTURE


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
          points: float | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked,
                            "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def check_cell_source(part: str) -> str:
    return f'from autograde.notebook import check_part\ncheck_part("add", "{part}", globals())'


def notebook(add: str, mean: str, *, setup: str = SETUP, test_add: str | None = None,
             extra: tuple[str, ...] = (), drop: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """A notebook shaped like the release: setup (locked), solutions, test cells.

    ``extra`` cells are ordinary code cells appended by the "student"; ``drop`` removes cells
    by grade id; ``test_add`` replaces the source of the ``test_add`` cell (an edit).
    """
    cells = [
        new_markdown_cell("# Fixture exercise: add and mean"),
        new_code_cell(setup, metadata=_meta("setup", locked=True)),
        new_code_cell(add, metadata=_meta("add_impl", solution=True)),
        new_code_cell(test_add or check_cell_source("add"),
                      metadata=_meta("test_add", grade=True, locked=True, points=4)),
        new_code_cell(mean, metadata=_meta("mean_impl", solution=True)),
        new_code_cell(check_cell_source("mean"),
                      metadata=_meta("test_mean", grade=True, locked=True, points=3)),
        *[new_code_cell(source) for source in extra],
    ]
    cells = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") not in drop]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def release() -> nbformat.NotebookNode:
    return notebook(STUB_ADD, STUB_MEAN)


def source() -> nbformat.NotebookNode:
    """The instructor's nbgrader source: solutions between BEGIN/END SOLUTION markers."""
    def solution(code: str) -> str:
        head, body = code.split("\n", 1)
        return f"{head}\n    ### BEGIN SOLUTION\n{body}    ### END SOLUTION\n"

    return notebook(solution(CORRECT_ADD), solution(CORRECT_MEAN))


def write(nb: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path
