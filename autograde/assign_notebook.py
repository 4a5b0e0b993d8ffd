"""From an exercise's MyST page to the instructor's nbgrader source notebook.

``exercises/<X>.md`` is the single authored file. Its solution cells hold exactly the stub a
student sees, ending with nbgrader's own code stub (``# YOUR CODE HERE`` /
``raise NotImplementedError()``). The source notebook replaces that ending by a solution
region holding the reference code::

    def find_lr(...):
        \"\"\"docstring\"\"\"
        ### BEGIN SOLUTION
    <solutions/X.py, the part that defines find_lr, at column 0>
    ### END SOLUTION

The stub's function keeps a valid body (its docstring), the reference then redefines the
names, so the instructor's notebook runs with the reference. ``nbgrader generate_assignment``
replaces the region by its ``ClearSolutions.code_stub``, indented like the ``BEGIN`` line:
with nbgrader's default code stub the released cell is the authored stub, character for
character. (Appending the region *after* the stub instead would leave an extra line in every
released cell: nbgrader always inserts the code stub, even an empty one, as lines.)
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from nbgrader.preprocessors import ClearSolutions

CODE_STUB: str = ClearSolutions.class_traits()["code_stub"].default()["python"]
"""nbgrader's default ``ClearSolutions.code_stub`` for Python; every stub ends with it."""
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SCHEMA_VERSION = 3
RAISES = "raises-exception"
"""Tag that lets a cell fail when the site executes the page (stubs raise, so checks fail)."""


class AuthoringError(ValueError):
    """An exercise's files disagree with the conventions; the message says where and how."""


def nbgrader_meta(cell: Any) -> dict[str, Any]:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def is_solution(cell: Any) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_test(cell: Any) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def read_exercise(path: Path) -> nbformat.NotebookNode:
    """The MyST page as a notebook; unmarked cells locked; cell ids from grade ids.

    Authors mark only solution and test cells. Every other cell (prose, given code) is made a
    locked read-only nbgrader cell here, so nbgrader restores it if a student edits it.
    """
    nb = jupytext.read(path)
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != "python3":
        raise AuthoringError(f"{path}: kernelspec name must be python3; found {kernel!r}")
    nb.metadata.pop("jupytext", None)  # the .ipynb files are generated, not paired
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.setdefault("nbgrader", {})
        if not meta:
            meta.update(grade=False, grade_id=f"readonly_{index:02d}", locked=True,
                        schema_version=SCHEMA_VERSION, solution=False)
        if "grade_id" not in meta:
            raise AuthoringError(f"{path}: cell {index} has nbgrader metadata but no grade_id")
        cell["id"] = meta["grade_id"]
    ids = [c["id"] for c in nb.cells]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise AuthoringError(f"{path}: grade_id must be unique; repeated: {repeated}")
    return nb


def stub_names(source: str) -> list[str]:
    """Top-level functions and classes a stub cell defines, in order."""
    tree = ast.parse(source)
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]


def _stub_prefix(source: str, where: str) -> tuple[str, str]:
    """Split a stub into (text before the code stub, indentation of the code stub)."""
    lines, stub = source.split("\n"), CODE_STUB.split("\n")
    tail = lines[-len(stub):]
    indent = tail[0][: len(tail[0]) - len(tail[0].lstrip())]
    if [line.removeprefix(indent) for line in tail] != stub or any(
        not line.startswith(indent) for line in tail
    ):
        raise AuthoringError(
            f"{where}: a solution cell must end with nbgrader's code stub, indented as the "
            f"function body:\n{CODE_STUB}\nfound:\n" + "\n".join(tail)
        )
    return "\n".join(lines[: -len(stub)]), indent


def _top_level_spans(reference: str) -> list[tuple[list[str], int]]:
    """(names defined, last line) of each top-level statement of the reference."""
    spans = []
    for node in ast.parse(reference).body:
        names: list[str] = []
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names = [node.name]
        assert node.end_lineno is not None
        spans.append((names, node.end_lineno))
    return spans


def split_reference(reference: str, stubs: list[list[str]], where: str) -> list[str]:
    """Cut the reference into one region per solution cell.

    Region ``k`` ends with the statement that defines the last of cell ``k``'s names; the
    first region also holds the module docstring and imports, the last one everything left.
    """
    spans = _top_level_spans(reference)
    position = {name: i for i, (names, _) in enumerate(spans) for name in names}
    ends = []
    for k, names in enumerate(stubs):
        missing = [n for n in names if n not in position]
        if missing:
            raise AuthoringError(f"{where}: the reference does not define {missing}")
        ends.append(len(spans) - 1 if k == len(stubs) - 1 else max(position[n] for n in names))
    if ends != sorted(set(ends)):
        raise AuthoringError(
            f"{where}: the reference must define the stubs' names in the order of the "
            f"solution cells {stubs}"
        )
    lines = reference.split("\n")
    cuts = [0, *(spans[e][1] for e in ends[:-1]), len(lines)]
    return ["\n".join(lines[a:b]).strip("\n") for a, b in zip(cuts, cuts[1:], strict=False)]


def splice(stub: str, region: str, where: str) -> str:
    """The source-notebook cell: the stub, its code stub replaced by a solution region."""
    prefix, indent = _stub_prefix(stub, where)
    for line in region.split("\n"):
        if "BEGIN SOLUTION" in line or "END SOLUTION" in line:
            raise AuthoringError(f"{where}: the reference must not contain solution delimiters")
    return f"{prefix}\n{indent}{BEGIN}\n{region}\n{END}"


def solution_region(source: str) -> str:
    """The text between the delimiters of a source-notebook cell."""
    lines = source.split("\n")
    begin = next(i for i, line in enumerate(lines) if line.strip() == BEGIN)
    end = next(i for i, line in enumerate(lines) if line.strip() == END)
    return "\n".join(lines[begin + 1 : end])


def source_notebook(
    exercise_nb: nbformat.NotebookNode, reference: str, where: str
) -> nbformat.NotebookNode:
    """The instructor's notebook: each stub followed by its part of the reference."""
    nb = copy.deepcopy(exercise_nb)
    cells = [c for c in nb.cells if is_solution(c)]
    if not cells:
        raise AuthoringError(f"{where}: no solution cell (nbgrader: solution: true)")
    regions = split_reference(reference, [stub_names(c.source) for c in cells], where)
    for cell, region in zip(cells, regions, strict=True):
        cell.source = splice(cell.source, region, f"{where}, cell {cell['id']}")
        compile(cell.source, f"{where}:{cell['id']}", "exec")
    return nb
