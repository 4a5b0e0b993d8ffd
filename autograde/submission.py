"""From a submitted notebook to the code the sandbox runs (grader side, trusted).

What runs is the student's code cells (nbgrader solution cells and ordinary code cells) in
notebook order, plus the *released* version of every locked cell: a student who edits or
deletes a locked cell gets the released one back, with a note. Test cells are never run:
grading calls drivers directly, so nothing a student writes into a test cell matters.
Notebook magics and shell lines (``%``, ``!``) are dropped with a note, since the sandbox
runs plain Python. Every way a file can be unreadable becomes a :class:`SubmissionError`
whose message tells the student what to fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

MAX_NOTEBOOK_MB = 20.0
MAX_CODE_BYTES = 2 * 1024 * 1024
_IPYTHON_CALL = "get_ipython()"
"""What IPython's input transformer turns a line magic or shell escape into."""


class SubmissionError(Exception):
    """The notebook cannot be graded; the message is shown to the student."""


@dataclass
class Program:
    """The cells to execute, labelled for tracebacks, and what the student should know."""

    cells: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, label: str, source: str) -> None:
        if source.strip():
            self.cells.append({"label": label, "source": source})


def read_notebook(path: Path, max_mb: float = MAX_NOTEBOOK_MB) -> nbformat.NotebookNode:
    """Read a notebook file, refusing what is empty, too large or not a notebook."""
    size = path.stat().st_size
    if size == 0:
        raise SubmissionError(f"{path.name} is empty (0 bytes); save the notebook and resubmit")
    if size > max_mb * 2**20:
        raise SubmissionError(
            f"{path.name} is {size / 2**20:.1f} MB; the grader accepts at most {max_mb:g} MB. "
            "Clear the outputs (Kernel > Restart & Clear Output), save and resubmit")
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SubmissionError(
            f"{path.name} is not a valid notebook: its JSON does not parse ({exc}). "
            "Download it again from Jupyter (File > Download) and resubmit") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise SubmissionError(f"{path.name} is JSON but not a notebook: expected an object with "
                              f"a 'cells' list; found {type(data).__name__}")
    try:
        return nbformat.from_dict(nbformat.convert(nbformat.from_dict(data), 4))
    except Exception as exc:  # nbformat raises many types on odd input
        raise SubmissionError(f"{path.name} could not be read as a notebook "
                              f"({type(exc).__name__}: {exc})") from None


_CHECK_CALL = re.compile(r"""check_part\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")


def exercises_in(nb: nbformat.NotebookNode) -> list[str]:
    """The exercises whose self-check cells (``check_part("X", ...)``) the notebook holds, in
    order of first appearance: how ``autograde check NOTEBOOK`` knows what to check."""
    found: list[str] = []
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(map(str, source)) if isinstance(source, list) else str(source)
        for name in _CHECK_CALL.findall(source):
            if name not in found:
                found.append(name)
    return found


def _meta(cell: Any) -> dict[str, Any]:
    """The cell's nbgrader metadata; ``{}`` when any level of it is not a mapping."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def is_test_cell(cell: Any) -> bool:
    meta = _meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def _is_protected(cell: Any) -> bool:
    """Cells whose released version wins: locked cells and test cells."""
    return bool(_meta(cell).get("locked")) or is_test_cell(cell)


def _source(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(map(str, source)) if isinstance(source, list) else str(source)


def _strip_magics(source: str, label: str, notes: list[str]) -> str:
    """Replace ``%magic`` and ``!shell`` lines by ``pass`` (keeps indentation valid).

    Which lines are magics is decided the way IPython decides, by its own input transformer:
    a line that merely starts with ``!`` or ``%`` inside brackets (a black-formatted
    ``!= len(x)`` continuation) is Python and is kept. ``files = !ls`` becomes ``files = None``.
    """
    if source.lstrip().startswith("%%"):
        notes.append(f"{label}: a cell magic ({source.strip().splitlines()[0]}) was skipped; "
                     "the grader runs plain Python")
        return ""
    try:
        transformed = TransformerManager().transform_cell(source).splitlines()
    except Exception:  # IPython cannot read it either; Python will report where it fails
        return source
    original = source.splitlines()
    if len(transformed) != len(original):  # e.g. a cell magic further down: run as IPython would
        return "\n".join(transformed)
    lines = []
    for line, as_python in zip(original, transformed, strict=True):
        if line != as_python and _IPYTHON_CALL in as_python:
            notes.append(f"{label}: dropped `{line.strip()[:60]}` (notebook magics and shell "
                         "commands do not run at grading time)")
            before, _ = as_python.split(_IPYTHON_CALL, 1)
            line = before + ("None" if before.strip() else "pass")
        lines.append(line)
    return "\n".join(lines)


def build_program(submission: Any, release: Any | None = None) -> Program:
    """The code to run for ``submission``; protected cells come from ``release`` when given.

    Without a release notebook the submission's own nbgrader metadata is trusted (as in
    ``autograde check``, or after nbgrader restored the cells itself).
    """
    program = Program()
    released = [c for c in (release.cells if release is not None else [])
                if c.get("cell_type") == "code"]
    index = {_meta(c)["grade_id"]: i for i, c in enumerate(released) if _meta(c).get("grade_id")}
    emitted: set[int] = set()

    def emit_protected_before(position: int) -> None:
        """Put back released locked cells (up to ``position``) the student deleted."""
        for i in range(position):
            if i not in emitted and _is_protected(released[i]):
                emitted.add(i)
                grade_id = _meta(released[i]).get("grade_id", f"#{i}")
                program.notes.append(f"locked cell {grade_id!r} is missing from your notebook; "
                                     "the released version was used")
                if not is_test_cell(released[i]):
                    program.add(f"released cell {grade_id}", _source(released[i]))

    for n, cell in enumerate(submission.cells, start=1):
        if not isinstance(cell, dict):
            program.notes.append(f"cell {n} is not a notebook cell ({type(cell).__name__}); "
                                 "skipped")
            continue
        if cell.get("cell_type") != "code":
            continue
        label = f"cell {n}"
        grade_id = _meta(cell).get("grade_id")
        position = index.get(grade_id) if isinstance(grade_id, str) else None
        if position is not None:
            emit_protected_before(position)
            original = released[position]
            if _is_protected(original):
                if position in emitted:  # moved below a later cell: it already ran once
                    continue
                emitted.add(position)
                if _source(original).strip() != _source(cell).strip():
                    program.notes.append(f"{label} ({grade_id}) is locked but was edited; "
                                         "your edits were ignored and the released version used")
                if not is_test_cell(original):
                    program.add(label, _strip_magics(_source(original), label, program.notes))
                continue
        elif release is None and is_test_cell(cell):
            continue
        program.add(label, _strip_magics(_source(cell), label, program.notes))
    emit_protected_before(len(released))
    size = sum(len(c["source"]) for c in program.cells)
    if size > MAX_CODE_BYTES:
        raise SubmissionError(f"the notebook's code is {size / 2**20:.1f} MB; the grader accepts "
                              f"at most {MAX_CODE_BYTES / 2**20:.0f} MB of code")
    return program
