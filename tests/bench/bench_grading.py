"""Grading throughput: plain ``nbgrader autograde`` vs the sandboxed engine (prints figures).

    python tests/bench/bench_grading.py [--n 12] [--jobs N] [--exercise X]

The same N submissions (a cycle of correct / wrong / crashing / self-check-faking hand-ins)
are graded three ways in one throw-away nbgrader course folder:

1. ``nbgrader autograde`` with nbgrader's defaults: the student's kernel runs the test cells
   (one student after another, no sandbox; the faked self-check earns full points);
2. ``autograde grade`` (the engine): sandboxed, ``--jobs`` students in parallel;
3. ``nbgrader autograde`` with the course config: the kernel run *plus* the engine's re-score.

It uses the real ``lr_finder`` (or ``early_stopping``) exercise when its page, reference and
mutants exist, else the tests' fixture exercise ``add``. Wall-clock times on a shared machine
are noisy: run it twice and compare like with like.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))

FAKE_PASS = ("import autograde.notebook\n"
             "autograde.notebook.check_part = lambda *args, **kwargs: print('All checks passed')\n")
CRASH = "import os\nos._exit(0)\n"
KINDS = ("correct", "wrong", "crash", "fake_pass")


def _real_exercise(preferred: str | None) -> str | None:
    from exercise_harness import mutant_paths, page_path

    from autograde.exercise import exercise_ids, solutions_dir

    candidates = [preferred] if preferred else ["lr_finder", "early_stopping"]
    for x in candidates:
        if (x in exercise_ids() and page_path(x).is_file()
                and (solutions_dir() / f"{x}.py").is_file() and mutant_paths(x)):
            return x
    return None


def _notebooks(exercise: str | None) -> tuple[str, nbformat.NotebookNode, list]:
    """(exercise, source notebook, [correct hand-in, wrong hand-ins ...])."""
    if exercise is None:
        import adversarial as fx

        os.environ["AUTOGRADE_EXERCISES"] = str(fx.FIXTURE)
        os.environ["AUTOGRADE_SOLUTIONS"] = str(fx.SOLUTIONS)
        correct = fx.notebook(fx.CORRECT_ADD, fx.CORRECT_MEAN)
        return "add", fx.source(), [correct, fx.notebook(fx.WRONG_ADD, fx.CORRECT_MEAN)]
    from exercise_harness import graded_notebook, mutant_paths

    from autograde.exercise import solutions_dir

    source = graded_notebook(exercise, solutions_dir() / f"{exercise}.py")
    return exercise, source, [source] + [graded_notebook(exercise, m)
                                         for m in mutant_paths(exercise)]


def _hand_in(kind: str, i: int, variants: list) -> nbformat.NotebookNode:
    if kind == "correct":
        return variants[0]
    nb = nbformat.from_dict(variants[1 + i % (len(variants) - 1)])
    if kind in ("crash", "fake_pass"):
        at = next(k for k, c in enumerate(nb.cells)
                  if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
        nb.cells.insert(at + 1, new_code_cell(CRASH if kind == "crash" else FAKE_PASS))
    return nb


def _nbgrader(course: Path, *args: str) -> float:
    """Seconds taken; nbgrader exits non-zero when a kernel dies (the crash hand-ins), and
    those students then have no grade: reported, not fatal."""
    from autograde.assignments import nbgrader_env

    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--force"], cwd=course,
                          env=nbgrader_env(),
                          capture_output=True, text=True)
    if done.returncode != 0:
        failed = {line.split("student")[-1] for line in done.stderr.splitlines()
                  if "error processing" in line and "student" in line}
        print(f"  nbgrader {args[0]} exited {done.returncode}; failed for: {sorted(failed)}")
    return time.monotonic() - start


def _nbgrader_scores(course: Path, assignment: str, students: list[str]) -> dict[str, float]:
    """Scores nbgrader recorded (students whose grading failed are left out)."""
    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for s in students:
            try:
                submission = gb.find_submission(assignment, s)
            except MissingEntry:
                continue
            grades = [g for nb in submission.notebooks for g in nb.grades]
            if grades and all(g.auto_score is not None for g in grades):
                scores[s] = submission.score
    return scores


def _by_kind(scores: dict[str, float]) -> str:
    parts = []
    for kind in KINDS:
        mine = [v for s, v in scores.items() if s.startswith(kind)]
        if mine:
            parts.append(f"{kind} {statistics.mean(mine):.2f}")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12, help="submissions (default 12)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--exercise", default=None, help="real exercise to use")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

    from autograde.batch import grade_class
    from autograde.results import check_results, load_result

    exercise, source, variants = _notebooks(_real_exercise(args.exercise))
    course = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    nbformat.write(source, _mk(course / "source" / exercise / f"{exercise}.ipynb"))
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.timeout = 120\n")
    _nbgrader(course, "generate_assignment", exercise)
    students = []
    for i in range(args.n):
        kind = KINDS[i % len(KINDS)]
        students.append(f"{kind}{i:03d}")
        path = course / "submitted" / students[-1] / exercise / f"{exercise}.ipynb"
        nbformat.write(_hand_in(kind, i, variants), _mk(path))
    print(f"exercise {exercise}: {args.n} submissions ({', '.join(KINDS)} in turn), "
          f"{args.jobs} jobs, course {course}")

    plain_s = _nbgrader(course, "autograde", exercise)
    plain = _nbgrader_scores(course, exercise, students)

    start = time.monotonic()
    run = grade_class(course / "submitted", [exercise], course / "engine-out", jobs=args.jobs,
                      force=True)
    engine_s = time.monotonic() - start
    engine = {s: sum(r.points for r in check_results(load_result(course / "engine-out", s,
                                                                   [exercise])))
              for s in run.graded}

    (course / "nbgrader_config.py").write_text(
        "from autograde.nbgrader_config import configure\nconfigure(get_config())\n")
    both_s = _nbgrader(course, "autograde", exercise)
    both = _nbgrader_scores(course, exercise, students)

    rows = [("nbgrader autograde (kernel only, serial)", plain_s, plain),
            (f"autograde grade (sandbox, {args.jobs} jobs)", engine_s, engine),
            ("nbgrader autograde + EngineScores", both_s, both)]
    for name, seconds, scores in rows:
        print(f"{name:42s} {seconds:7.1f} s  {args.n / seconds * 60:6.1f} submissions/min  "
              f"graded {len(scores)}/{args.n}; mean score by kind: {_by_kind(scores)}")
    print(f"engine / plain nbgrader wall-time ratio: {engine_s / plain_s:.2f}")


def _mk(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":
    main()
