"""The sandboxed engine on the course's real exercises agrees with the in-process harness.

For every exercise that has a page, a reference and mutants: the instructor's source notebook
(reference spliced in) earns full marks in the sandbox, and the first mutant fails exactly
the checks it fails in-process. This proves the drivers work inside the jail (torch
imported there, the kit readable, no access to ``solutions/``) and that the trust boundary
changes no verdict.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import nbformat  # noqa: E402
from exercise_harness import grade_mutant, graded_notebook, mutant_paths, page_path  # noqa: E402

from autograde.batch import grade_class  # noqa: E402
from autograde.exercise import exercise_ids, parts, solutions_dir  # noqa: E402
from autograde.results import check_results, load_result  # noqa: E402

REAL = [x for x in exercise_ids()
        if page_path(x).is_file() and (solutions_dir() / f"{x}.py").is_file() and mutant_paths(x)]


@pytest.mark.slow
@pytest.mark.parametrize("exercise", REAL)
def test_sandbox_agrees_with_in_process_grading(exercise: str, tmp_path: Path) -> None:
    """Reference and first mutant graded as a two-student class, in parallel sandboxes."""
    mutant = mutant_paths(exercise)[0]
    for student, code in (("reference", solutions_dir() / f"{exercise}.py"), ("mutant", mutant)):
        path = tmp_path / "subs" / student / exercise / f"{exercise}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(graded_notebook(exercise, code), path)
    run = grade_class(tmp_path / "subs", [exercise], tmp_path / "out", jobs=2, progress=False)
    assert run.failed == {} and run.errors == {}
    graded = {s: check_results(load_result(tmp_path / "out", s, [exercise]))
              for s in ("reference", "mutant")}
    full = sum(parts(exercise).values())
    assert [(r.name, r.message) for r in graded["reference"] if not r.passed] == []
    assert sum(r.points for r in graded["reference"]) == full
    in_process = grade_mutant(exercise, mutant)
    assert {r.name: r.passed for r in graded["mutant"]} == {r.name: r.passed for r in in_process}
    assert sum(r.points for r in graded["mutant"]) < full


def test_real_exercises_are_found() -> None:
    """Guard against the list above silently becoming empty."""
    assert REAL, "no real exercise with a page, a reference and mutants"
