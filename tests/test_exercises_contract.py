"""What every graded exercise must show (one parametrized suite instead of four copies).

Per exercise: the page agrees with its nbgrader source and release, the reference gets full
marks with identical outputs over 3 runs, the released stub scores 0, and every mutant in
tests/mutants/<exercise>/ scores less than the reference with its named checks failing.
Exercise-specific checks live in tests/test_exercise_<exercise>.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from exercise_harness import (
    assert_mutant_caught,
    assert_page_contract,
    assert_reference_full_marks,
    assert_stub_scores_zero,
    mutant_paths,
)

from autograde.exercise import exercise_ids

EXERCISES = exercise_ids()
MUTANTS = [(exercise, path) for exercise in EXERCISES for path in mutant_paths(exercise)]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_page_contract(exercise: str, tmp_path: Path):
    assert_page_contract(exercise, tmp_path)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_reference_full_marks_same_outputs_over_3_runs(exercise: str):
    assert_reference_full_marks(exercise, runs=3)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_released_stub_scores_zero(exercise: str):
    assert_stub_scores_zero(exercise)


@pytest.mark.parametrize(("exercise", "path"), MUTANTS, ids=lambda v: getattr(v, "stem", v))
def test_mutant_scores_less_and_named_checks_fail(exercise: str, path: Path):
    assert_mutant_caught(exercise, path)
