"""nbgrader stays the front door: generate_assignment -> autograde -> generate_feedback.

A tiny course folder for the fixture exercise. Alice fools her own kernel: ``add`` hard-codes
the visible answers (the kernel's self-check passes) and a solution cell patches
``check_part`` into a no-op (the ``mean`` test cell passes whatever ``mean`` does). Plain
nbgrader would award 7/7; with the course config the gradebook must hold the sandboxed
engine's score instead, and the feedback HTML must show the engine's messages. Bob's
notebook kills its kernel (``os._exit``): plain nbgrader fails on him; here he gets 0.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from adversarial import (  # noqa: E402
    CORRECT_ADD,
    CORRECT_MEAN,
    FIXTURE,
    WRONG_MEAN,
    fixture_exercise,  # noqa: F401 - a pytest fixture, used by name below
    notebook,
    source,
    write,
)
from nbgrader.api import Gradebook  # noqa: E402
from traitlets.config import Config  # noqa: E402

from autograde.assignments import nbgrader_env  # noqa: E402
from autograde.engine import References, grade_notebook  # noqa: E402
from autograde.nbgrader_config import configure  # noqa: E402
from autograde.nbgrader_preprocessor import check_part_call, part_score  # noqa: E402

HARDCODED_ADD = "def add(a, b):\n    return {(2, 3): 5.0, (-4, 2.5): -1.5}.get((a, b), 0.0)\n"
PATCH_CHECKER = ("import autograde.notebook\n"
                 "autograde.notebook.check_part = lambda *args, **kwargs: None\n")


def _nbgrader(course: Path, *args: str) -> None:
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--force"], cwd=course,
                          env=nbgrader_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    print(f"nbgrader {args[0]}: {time.monotonic() - start:.1f} s")


@pytest.mark.slow
@pytest.mark.usefixtures("fixture_exercise")
def test_nbgrader_records_the_engine_score(tmp_path: Path) -> None:
    course = tmp_path / "course"
    (course / "source" / "a1").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "from autograde.nbgrader_config import configure\nconfigure(get_config())\n")
    write(source(), course / "source" / "a1" / "add.ipynb")
    _nbgrader(course, "generate_assignment", "a1")
    released = (course / "release" / "a1" / "add.ipynb").read_text()
    assert "raise NotImplementedError()" in released and "BEGIN SOLUTION" not in released

    submission = notebook(HARDCODED_ADD, WRONG_MEAN + PATCH_CHECKER)
    write(submission, course / "submitted" / "alice" / "a1" / "add.ipynb")
    crasher = notebook(CORRECT_ADD, CORRECT_MEAN, extra=("import os\nos._exit(0)\n",))
    write(crasher, course / "submitted" / "bob" / "a1" / "add.ipynb")
    _nbgrader(course, "autograde", "a1")

    engine = grade_notebook(submission, ["add"], References())
    by_part = {p: sum(r.points for r in engine.results if r.part == p) for p in ("add", "mean")}
    assert by_part == {"add": 2.0, "mean": 0.0}  # visible add passes; hidden add, all mean fail
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grades = {g.name: g.auto_score for g in
                  gb.find_submission_notebook("add", "a1", "alice").grades}
        assert gb.find_submission("a1", "alice").score == sum(by_part.values())
    assert grades == {"test_add": by_part["add"], "test_mean": by_part["mean"]}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:  # its kernel died: still graded
        bob = {g.name: g.auto_score for g in gb.find_submission_notebook("add", "a1", "bob").grades}
    assert bob == {"test_add": 0.0, "test_mean": 0.0}

    _nbgrader(course, "generate_feedback", "a1")
    html = (course / "feedback" / "alice" / "a1" / "add.html").read_text()
    assert "Graded in the sandbox" in html
    assert "20 of 20 random cases are wrong" in html


def test_configure_sets_the_course_options() -> None:
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import ClearSolutions, Execute, OverwriteCells, SaveAutoGrades

    from autograde.nbgrader_preprocessor import EngineScores, KernelSafeExecute

    c = configure(Config(), cell_timeout_s=77)
    assert Execute(config=c).timeout == 77
    assert OverwriteCells(config=c).add_missing_cells is True
    assert "NotImplementedError" in ClearSolutions(config=c).code_stub["python"]
    chain = Autograde(config=c).autograde_preprocessors
    assert chain.index(KernelSafeExecute) < chain.index(EngineScores) < chain.index(SaveAutoGrades)
    assert issubclass(KernelSafeExecute, Execute) and KernelSafeExecute(config=c).timeout == 77
    sandbox_only = Autograde(config=configure(Config(), run_kernel=False)).autograde_preprocessors
    assert KernelSafeExecute not in sandbox_only and EngineScores in sandbox_only


def test_check_part_call_is_read_from_the_test_cell() -> None:
    cell = 'from autograde.notebook import check_part\ncheck_part("add", "mean", globals())'
    assert check_part_call(cell) == ("add", "mean")
    assert check_part_call("import autograde.notebook as n\nn.check_part('x', 'y', {})") == (
        "x", "y")
    assert check_part_call("print('no call here')") is None
    assert check_part_call("def broken(:") is None


def test_part_score_scales_to_the_cell_and_never_exceeds_it() -> None:
    from autograde.exercise import CheckResult

    def result(points: float, maximum: float) -> CheckResult:
        return CheckResult("add", "c", "p", points, maximum, points == maximum, "ok")

    assert part_score([result(1, 1), result(0, 2)], 3.0) == 1.0
    assert part_score([result(1, 1), result(0, 2)], 6.0) == 2.0
    assert part_score([result(2, 2)], 2.0) == 2.0
    assert part_score([], 4.0) == 0.0
    assert FIXTURE.is_dir()
