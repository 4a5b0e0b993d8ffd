"""What every exercise's tests assert, written once: page contract, reference, stub, mutants.

An exercise ``X`` passes when
- its page ``exercises/X.md`` has one solution cell and one locked test cell per part, whose
  points are that part's visible + hidden check points;
- the reference earns full marks, with the same driver outputs on every run;
- the stub exactly as students receive it earns 0;
- every mutant in ``tests/mutants/X/`` scores strictly less, and each check it names in its
  ``FAILS`` tuple fails (so we know *which* check catches which bug).
Grading here is in-process (``autograde.assign_grade``), through the same drivers and judges
as the sandboxed engine; ``engine_notebook`` builds the notebook the engine grades.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import jupytext
import nbformat

from autograde.assign_grade import grade_file, grade_namespace, score
from autograde.exercise import REPO_ROOT, all_checks, call_driver, parts, reference

MUTANTS_DIR = Path(__file__).parent / "mutants"


def mutant_paths(exercise: str) -> list[Path]:
    return sorted((MUTANTS_DIR / exercise).glob("*.py"))


def page(exercise: str) -> nbformat.NotebookNode:
    return jupytext.read(REPO_ROOT / "exercises" / f"{exercise}.md")


def _nbgrader(cell: Any) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_cells(nb: nbformat.NotebookNode) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code" and _nbgrader(c).get("solution")]


def assert_page_contract(exercise: str) -> None:
    """One solution cell; a locked, raises-exception test cell per part with its points."""
    nb = page(exercise)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert len(solution_cells(nb)) == 1
    tests = {
        _nbgrader(c)["grade_id"]: c for c in nb.cells
        if c.cell_type == "code" and _nbgrader(c).get("grade")
    }
    expected = parts(exercise)
    assert set(tests) == {f"test_{part}" for part in expected}
    for part, points in expected.items():
        cell = tests[f"test_{part}"]
        meta = _nbgrader(cell)
        assert (meta["points"], meta["locked"], meta["solution"]) == (points, True, False)
        assert "raises-exception" in cell.metadata.get("tags", [])
        assert f'check_part("{exercise}", "{part}", globals())' in cell.source


def stub_namespace(exercise: str) -> dict[str, Any]:
    """The solution cell as released to students, executed."""
    namespace: dict[str, Any] = {}
    exec(compile(solution_cells(page(exercise))[0].source, f"<{exercise} stub>", "exec"),
         namespace)
    return namespace


def reference_outputs_json(exercise: str) -> str:
    """Every check's driver output on a freshly loaded reference, as canonical JSON."""
    ns = vars(reference(exercise))
    outputs = {c.name: call_driver(exercise, c, ns) for c in all_checks(exercise,
                                                                         include_hidden=True)}
    return json.dumps(outputs, sort_keys=True, allow_nan=True)


def assert_reference_full_marks(exercise: str, runs: int = 3) -> None:
    results = grade_namespace(exercise, vars(reference(exercise)))
    failed = [(r.name, r.message) for r in results if not r.passed]
    assert not failed
    assert score(results) == sum(parts(exercise).values())
    outputs = {reference_outputs_json(exercise) for _ in range(runs)}
    assert len(outputs) == 1, "the reference's driver outputs differ between runs"


def assert_stub_scores_zero(exercise: str) -> None:
    results = grade_namespace(exercise, stub_namespace(exercise))
    assert score(results) == 0, [r.name for r in results if r.passed]


def assert_mutant_caught(exercise: str, path: Path) -> None:
    expected_failures = runpy.run_path(str(path))["FAILS"]
    results = grade_file(exercise, path)
    names = {r.name for r in results}
    assert set(expected_failures) <= names, f"FAILS names unknown checks: {expected_failures}"
    failed = {r.name for r in results if not r.passed}
    missed = set(expected_failures) - failed
    assert not missed, f"{path.stem} passes checks that should catch it: {sorted(missed)}"
    assert score(results) < sum(parts(exercise).values())


def engine_notebook(exercise: str, solution: Path) -> nbformat.NotebookNode:
    """The page with ``solution``'s code appended to the stub cell, as a student would hand in."""
    nb = page(exercise)
    cell = solution_cells(nb)[0]
    cell.source = f"{cell.source}\n\n{solution.read_text()}"
    return nb
