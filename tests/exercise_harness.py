"""What every exercise's tests assert, written once: page contract, reference, stub, mutants.

An exercise ``X`` passes when
- its page ``exercises/X.md`` passes the authoring pipeline's in-process checks (one locked
  test cell per part with that part's points, the points table, stub signatures equal to the
  reference's, jupytext round trip), and its nbgrader source notebook builds;
- the reference earns full marks, with the same driver outputs on every run;
- the stub exactly as students receive it earns 0;
- every mutant in ``tests/mutants/X/`` scores strictly less, and each check it names in its
  ``FAILS`` tuple fails (so we know *which* check catches which bug).
A mutant is a one-bug patch of the reference, not a copy of it: its module holds a docstring
(the bug, and why it is instructive), ``FAILS`` and ``EDITS``, ``(old, new)`` text
replacements that ``mutant_source`` applies to ``solutions/X.py``; every consumer grades or
splices that patched source, never the mutant file itself.
Grading here is in-process (``autograde.assign_grade``), through the same drivers and judges
as the sandboxed engine; ``graded_notebook`` builds what the engine grades.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import nbformat

from autograde.assign_grade import grade_namespace, score
from autograde.assign_notebook import is_solution, read_exercise, source_notebook
from autograde.assign_verify import (
    Paths,
    check_points_table,
    check_round_trip,
    check_signatures,
    check_test_cells,
)
from autograde.exercise import (
    REPO_ROOT,
    CheckResult,
    all_checks,
    call_driver,
    parts,
    reference,
    solutions_dir,
)

MUTANTS_DIR = Path(__file__).parent / "mutants"


def mutant_paths(exercise: str) -> list[Path]:
    return sorted((MUTANTS_DIR / exercise).glob("*.py"))


def mutant_source(exercise: str, path: Path) -> str:
    """The reference ``solutions/<exercise>.py`` with the mutant's ``EDITS`` applied, in order.

    Each ``old`` must occur exactly once in the text it is applied to, so that an edit of the
    reference that moves or rewrites a mutated line breaks the mutant loudly, not silently.
    """
    source = (solutions_dir() / f"{exercise}.py").read_text()
    for old, new in runpy.run_path(str(path))["EDITS"]:
        found = source.count(old)
        if found != 1:
            raise ValueError(f"mutant {exercise}/{path.stem}: {old!r} occurs {found} times in "
                             f"the reference (after the edits before it), not exactly once")
        source = source.replace(old, new)
    return source


def grade_mutant(exercise: str, path: Path, *, include_hidden: bool = True) -> list[CheckResult]:
    """Every check on the mutant's source, executed as a fresh module (like ``grade_file``)."""
    namespace: dict[str, Any] = {"__name__": f"mutant_{path.stem}", "__file__": str(path)}
    exec(compile(mutant_source(exercise, path), f"<mutant {path.stem}>", "exec"), namespace)
    return grade_namespace(exercise, namespace, include_hidden=include_hidden)


def mutant_check(exercise: str, mutant: str, check: str) -> CheckResult:
    """One visible check's result on a mutant, by names: what a student with that bug sees."""
    results = grade_mutant(exercise, MUTANTS_DIR / exercise / f"{mutant}.py", include_hidden=False)
    return next(r for r in results if r.name == check)


def page_path(exercise: str) -> Path:
    return REPO_ROOT / "exercises" / f"{exercise}.md"


def page(exercise: str) -> nbformat.NotebookNode:
    return read_exercise(page_path(exercise))


def assert_page_contract(exercise: str, tmp_course: Path) -> None:
    """The authoring checks that need no nbgrader run, and the source notebook builds."""
    paths = Paths(exercise=exercise, page=page_path(exercise), course=tmp_course)
    nb = page(exercise)
    problems = [*check_round_trip(paths)]
    for check in (check_test_cells, check_points_table, check_signatures):
        problems += check(paths, nb)
    assert not problems
    assert [c for c in nb.cells if is_solution(c)], "the page has no solution cell"
    source_notebook(nb, paths.reference.read_text(), str(paths.page))


def stub_namespace(exercise: str) -> dict[str, Any]:
    """The solution cells as released to students (``assignments verify`` proves they are
    equal), executed in order."""
    namespace: dict[str, Any] = {}
    for stub in [c.source for c in page(exercise).cells if is_solution(c)]:
        exec(compile(stub, f"<{exercise} stub>", "exec"), namespace)
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
    results = grade_mutant(exercise, path)
    names = {r.name for r in results}
    assert set(expected_failures) <= names, f"FAILS names unknown checks: {expected_failures}"
    failed = {r.name for r in results if not r.passed}
    missed = set(expected_failures) - failed
    assert not missed, f"{path.stem} passes checks that should catch it: {sorted(missed)}"
    assert score(results) < sum(parts(exercise).values())


def graded_notebook(exercise: str, solution: Path) -> nbformat.NotebookNode:
    """The page with ``solution``'s code in its solution region: the instructor's source
    notebook for the reference, a student's hand-in for a mutant (its patched source)."""
    is_mutant = solution.resolve().parent.parent == MUTANTS_DIR.resolve()
    code = mutant_source(exercise, solution) if is_mutant else solution.read_text()
    return source_notebook(page(exercise), code, str(solution))
