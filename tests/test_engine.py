"""The engine on the fixture exercise: reference, stub, notebook handling, determinism."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from adversarial import (  # noqa: E402
    CORRECT_ADD,
    CORRECT_MEAN,
    SETUP,
    TOTAL_POINTS,
    WRONG_ADD,
    fixture_exercise,  # noqa: F401 - a pytest fixture, used by name below
    notebook,
    release,
)
from nbformat.v4 import new_code_cell  # noqa: E402

from autograde.engine import References, grade_notebook  # noqa: E402
from autograde.submission import build_program  # noqa: E402

pytestmark = pytest.mark.usefixtures("fixture_exercise")


def _total(graded) -> float:
    return sum(r.points for r in graded.results)


def test_reference_gets_full_marks_identically_three_times() -> None:
    refs = References()
    runs = [grade_notebook(notebook(CORRECT_ADD, CORRECT_MEAN), ["add"], refs, release=release())
            for _ in range(3)]
    assert [_total(g) for g in runs] == [TOTAL_POINTS] * 3
    assert runs[0].results == runs[1].results == runs[2].results
    assert all(r.passed and r.message == "ok" for r in runs[0].results)
    assert {r.name for r in runs[0].results} == {"adds_small", "adds_negative", "mean_three",
                                                 "adds_random", "mean_hidden"}


def test_released_stub_scores_zero_and_says_so() -> None:
    graded = grade_notebook(release(), ["add"], References(), release=release())
    assert _total(graded) == 0.0
    assert all("not implemented yet" in r.message for r in graded.results)


def test_hidden_checks_catch_hardcoded_visible_answers() -> None:
    hardcoded = "def add(a, b):\n    return {(2, 3): 5.0, (-4, 2.5): -1.5}[(a, b)]\n"
    graded = grade_notebook(notebook(hardcoded, CORRECT_MEAN), ["add"], References())
    failed = {r.name: r.message for r in graded.results if not r.passed}
    assert list(failed) == ["adds_random"]
    assert "KeyError" in failed["adds_random"]


def test_deleted_locked_cell_is_restored_from_the_release() -> None:
    """CORRECT_ADD needs OFFSET from the locked setup cell: deleting it must not cost points."""
    graded = grade_notebook(notebook(CORRECT_ADD, CORRECT_MEAN, drop=("setup",)), ["add"],
                            References(), release=release())
    assert _total(graded) == TOTAL_POINTS
    assert any("'setup' is missing" in n for n in graded.notes)


def test_edited_locked_cell_is_replaced_by_the_release() -> None:
    edited = notebook(CORRECT_ADD, CORRECT_MEAN, setup="import math\nOFFSET = 1000.0\n")
    with_release = grade_notebook(edited, ["add"], References(), release=release())
    assert _total(with_release) == TOTAL_POINTS
    assert any("locked but was edited" in n for n in with_release.notes)
    without = grade_notebook(edited, ["add"], References())
    assert _total(without) == 3.0  # the edit is the student's own code: it breaks add


def test_program_skips_test_cells_and_drops_magics_with_a_note() -> None:
    nb = notebook(CORRECT_ADD, CORRECT_MEAN, extra=("%matplotlib inline\nif True:\n    !ls\n",
                                                    "%%bash\necho hi\n"))
    program = build_program(nb, release())
    sources = [c["source"] for c in program.cells]
    assert sources[0] == SETUP.rstrip("\n")
    assert not any("check_part" in s for s in sources)
    assert "pass\nif True:\n    pass" in sources[-1]
    assert not any("echo hi" in s for s in sources)
    assert sum("dropped" in n for n in program.notes) == 2
    assert any("cell magic" in n for n in program.notes)


def test_magics_are_found_the_way_ipython_finds_them() -> None:
    # a black-formatted continuation that starts with "!=" is Python, not a shell escape
    code = ("x, y = [1], [2]\nsame = (\n    len(x)\n    != len(y)\n)\n"
            "files = !ls\n%time z = 1\n")
    nb = notebook(CORRECT_ADD, CORRECT_MEAN, extra=(code,))
    program = build_program(nb, release())
    source = program.cells[-1]["source"]
    assert "    != len(y)" in source and "files = None" in source and "\npass" in source
    assert sum("dropped" in n for n in program.notes) == 2


def test_malformed_cells_are_skipped_or_read_not_crashed_on() -> None:
    nb = notebook(CORRECT_ADD, CORRECT_MEAN)
    nb.cells += [5, {"cell_type": "code", "metadata": [1], "source": [1, 2]},
                 {"cell_type": "code", "metadata": {"nbgrader": [1]}, "source": "y = 2"}]
    program = build_program(nb, release())
    assert [c["source"] for c in program.cells][-2:] == ["12", "y = 2"]
    assert any("not a notebook cell (int)" in n for n in program.notes)


def test_failing_cell_is_reported_and_the_rest_still_runs() -> None:
    nb = notebook(CORRECT_ADD, CORRECT_MEAN)
    nb.cells.insert(2, new_code_cell("1 / 0"))
    graded = grade_notebook(nb, ["add"], References())
    assert _total(graded) == TOTAL_POINTS
    assert any("ZeroDivisionError" in n for n in graded.notes)


def test_wrong_answer_messages_say_what_is_wrong() -> None:
    graded = grade_notebook(notebook(WRONG_ADD, CORRECT_MEAN), ["add"], References())
    messages = {r.name: r.message for r in graded.results}
    assert messages["adds_small"] == "expected 5.0, got -1.0"
    assert messages["adds_random"].startswith("20 of 20 random cases are wrong")
    assert messages["mean_three"] == "ok"


def test_reference_outputs_are_computed_once_per_check(monkeypatch: pytest.MonkeyPatch) -> None:
    import autograde.engine as engine

    calls = []
    real = engine.call_driver
    monkeypatch.setattr(engine, "call_driver", lambda *a: calls.append(a[1].name) or real(*a))
    refs = References()
    for _ in range(2):
        grade_notebook(notebook(WRONG_ADD, CORRECT_MEAN), ["add"], refs)
    assert sorted(calls) == ["adds_random", "mean_hidden"]
