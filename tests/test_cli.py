"""``autograde check`` for students, ``autograde grade`` for instructors, and resuming."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from adversarial import (  # noqa: E402
    CORRECT_ADD,
    CORRECT_MEAN,
    TOTAL_POINTS,
    WRONG_ADD,
    fixture_exercise,  # noqa: F401 - a pytest fixture, used by name below
    notebook,
    release,
    write,
)

from autograde.cli import main  # noqa: E402

pytestmark = pytest.mark.usefixtures("fixture_exercise")


def _summary(out: Path) -> dict[str, float]:
    with open(out / "summary.csv") as handle:
        return {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}


def test_check_passes_a_correct_notebook(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write(notebook(CORRECT_ADD, CORRECT_MEAN), tmp_path / "add.ipynb")
    assert main(["check", str(path), "--exercise", "add"]) == 0
    out = capsys.readouterr().out
    assert "[PASS] add/adds_small (1/1): add(2, 3) is 5" in out
    assert "3 of 3 visible checks passed" in out
    assert "adds_random" not in out  # a student never sees hidden checks


def test_check_says_what_is_wrong(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write(notebook(WRONG_ADD, "def average(xs):\n    return 0\n"), tmp_path / "a.ipynb")
    assert main(["check", str(path), "--exercise", "add"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] add/adds_small (0/1): expected 5.0, got -1.0" in out
    assert "define a function mean(xs); found nothing named 'mean'" in out


def test_check_infers_the_exercise_from_the_notebook(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    path = write(notebook(CORRECT_ADD, CORRECT_MEAN), tmp_path / "add.ipynb")
    assert main(["check", str(path)]) == 0
    assert "3 of 3 visible checks passed" in capsys.readouterr().out


def test_check_without_self_check_cells_asks_for_the_exercise(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture):
    path = write(notebook(CORRECT_ADD, CORRECT_MEAN, drop=("test_add", "test_mean")),
                 tmp_path / "add.ipynb")
    assert main(["check", str(path)]) == 2
    assert "pass --exercise" in capsys.readouterr().err


def test_check_refuses_unknown_exercise_and_missing_file(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    path = write(notebook(CORRECT_ADD, CORRECT_MEAN), tmp_path / "add.ipynb")
    assert main(["check", str(path), "--exercise", "nope"]) == 2
    assert "unknown exercise 'nope'" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "missing.ipynb"), "--exercise", "add"]) == 2
    assert "is not a file" in capsys.readouterr().err


def test_grade_flat_folder_and_nbgrader_layout(tmp_path: Path) -> None:
    flat, out = tmp_path / "flat", tmp_path / "out"
    write(notebook(CORRECT_ADD, CORRECT_MEAN), flat / "ann.ipynb")
    write(notebook(WRONG_ADD, CORRECT_MEAN), flat / "ben.ipynb")
    assert main(["grade", str(flat), "--exercise", "add", "--out", str(out), "--jobs", "2"]) == 0
    assert _summary(out) == {"ann": TOTAL_POINTS, "ben": 3.0}
    with open(out / "gradebook.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 10 and set(rows[0]) == {"student", "exercise", "part", "check", "points",
                                                "max_points", "message"}
    feedback = (out / "feedback" / "ben.md").read_text()
    assert "| add | adds_small | **FAIL** | 0 / 1 | expected 5.0, got -1.0 |" in feedback

    course = tmp_path / "course"  # the release next to submitted/ is found on its own
    write(release(), course / "release" / "a1" / "add.ipynb")
    write(notebook(CORRECT_ADD, CORRECT_MEAN, drop=("setup",)),
          course / "submitted" / "cat" / "a1" / "add.ipynb")
    out2 = tmp_path / "out2"
    assert main(["grade", str(course / "submitted"), "--exercise", "add", "--out",
                 str(out2)]) == 0
    assert _summary(out2) == {"cat": TOTAL_POINTS}
    assert "'setup' is missing" in (out2 / "feedback" / "cat.md").read_text()


def test_python_dash_m_autograde_runs(tmp_path: Path) -> None:
    path = write(notebook(WRONG_ADD, CORRECT_MEAN), tmp_path / "add.ipynb")
    done = subprocess.run([sys.executable, "-m", "autograde", "check", str(path), "--exercise",
                           "add"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "expected 5.0, got -1.0" in done.stdout


def test_killed_run_resumes_without_regrading(tmp_path: Path) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    students = [f"s{i}" for i in range(6)]
    for name in students:
        write(notebook(CORRECT_ADD, CORRECT_MEAN, extra=("import time\ntime.sleep(0.7)\n",)),
              subs / f"{name}.ipynb")
    cmd = [sys.executable, "-m", "autograde", "grade", str(subs), "--exercise", "add",
           "--out", str(out), "--jobs", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list((out / "results").glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.stem: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    assert 2 <= len(finished) < len(students), "the run was not killed midway"
    assert not (out / "summary.csv").exists()

    assert main(["grade", str(subs), "--exercise", "add", "--out", str(out)]) == 0
    assert _summary(out) == dict.fromkeys(students, TOTAL_POINTS)
    for student, mtime in finished.items():  # finished students were not graded again
        assert (out / "results" / f"{student}.json").stat().st_mtime_ns == mtime

    assert main(["grade", str(subs), "--exercise", "add", "--out", str(out), "--force"]) == 0
    assert all((out / "results" / f"{s}.json").stat().st_mtime_ns != m
               for s, m in finished.items())
