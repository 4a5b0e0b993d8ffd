"""``autograde``: grade a class (instructors) or check one notebook (students).

    autograde grade SUBMISSIONS_DIR --exercise lr_finder [--exercise ...] --out OUT_DIR
              [--jobs N] [--timeout S] [--notebook-timeout S] [--memory-mb M] [--force]
              [--release PATH]
    autograde check NOTEBOOK [--exercise lr_finder]

Both run the notebook in the sandbox. ``check`` uses the visible checks only (a student has no
hidden checks) and exits 1 when one fails; ``grade`` adds the hidden checks and writes
``OUT_DIR/gradebook.csv``, ``summary.csv``, ``feedback/<student>.md`` and ``results/``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from autograde.batch import grade_class
from autograde.engine import References, grade_notebook
from autograde.exercise import exercise_ids
from autograde.feedback import lines_for
from autograde.sandbox import Limits, sandbox_mode
from autograde.submission import SubmissionError, exercises_in, read_notebook


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(memory_mb=args.memory_mb, timeout_s=args.timeout,
                  notebook_timeout_s=args.notebook_timeout)


def _add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=None, metavar="S",
                        help="wall-clock seconds per check (default: each check's own limit)")
    parser.add_argument("--notebook-timeout", type=float, default=120.0, metavar="S",
                        help="wall-clock seconds to run the notebook once (default 120)")
    parser.add_argument("--memory-mb", type=int, default=2048, metavar="M",
                        help="address-space limit of the sandbox in MiB (default 2048)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograde", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="grade a folder of submissions")
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR",
                       help="nbgrader's submitted/ (<student>/<assignment>/<nb>.ipynb) or a "
                            "flat folder of <student>.ipynb")
    grade.add_argument("--exercise", action="append", required=True, help="repeatable")
    grade.add_argument("--out", type=Path, required=True, metavar="OUT_DIR")
    grade.add_argument("--jobs", type=int, default=os.cpu_count(), metavar="N",
                       help="submissions graded in parallel (default: the number of cores)")
    grade.add_argument("--force", action="store_true", help="regrade finished students too")
    grade.add_argument("--release", type=Path, default=None, metavar="PATH",
                       help="released notebook or release folder whose locked cells win "
                            "(default: ../release next to a submitted/ folder)")
    _add_limits(grade)
    check = sub.add_parser("check", help="run the visible checks on your notebook")
    check.add_argument("notebook", type=Path, metavar="NOTEBOOK")
    check.add_argument("--exercise", action="append", default=None,
                       help="repeatable; default: the exercises the notebook's self-check "
                            "cells name")
    _add_limits(check)
    return parser


def _grade(args: argparse.Namespace) -> int:
    run = grade_class(args.submissions, args.exercise, args.out, jobs=args.jobs,
                      limits=_limits(args), force=args.force, release=args.release)
    print(f"sandbox: {sandbox_mode()}; graded {len(run.graded)} students, kept "
          f"{len(run.resumed)} already graded, in {run.seconds:.1f} s")
    print(f"gradebook: {run.gradebook}\nsummary:   {run.summary}\n"
          f"feedback:  {args.out / 'feedback'}")
    for entry in run.skipped:
        print(f"skipped {entry}", file=sys.stderr)
    for student, errors in run.errors.items():
        for error in errors:
            print(f"grader error for {student}: {error}", file=sys.stderr)
    for student, error in run.failed.items():
        print(f"could not grade {student} (will be retried next run): {error}", file=sys.stderr)
    return 1 if run.failed or run.errors else 0


def _exercises_of(path: Path) -> list[str]:
    """The exercises a notebook's self-check cells name, or a ValueError saying what to do."""
    try:
        found = exercises_in(read_notebook(path))
    except SubmissionError as exc:
        raise ValueError(str(exc)) from None
    known = [name for name in found if name in exercise_ids()]
    if not known:
        raise ValueError(f"{path} has no self-check cell naming a known exercise "
                         f"(check_part(\"<exercise>\", ...)); pass --exercise, one of "
                         f"{', '.join(exercise_ids())}")
    return known


def _check(args: argparse.Namespace) -> int:
    if not args.notebook.is_file():
        print(f"error: {args.notebook} is not a file; expected your exercise notebook (.ipynb)",
              file=sys.stderr)
        return 2
    exercises = args.exercise or _exercises_of(args.notebook)
    refs = References(include_hidden=False)
    graded = grade_notebook(args.notebook, exercises, refs, limits=_limits(args))
    for line in lines_for(graded.results):
        print(line)
    for note in graded.notes:
        print(f"note: {note}")
    failed = [r for r in graded.results if not r.passed]
    got = sum(r.points for r in graded.results)
    print(f"{len(graded.results) - len(failed)} of {len(graded.results)} visible checks passed "
          f"({got:g}/{sum(r.max_points for r in graded.results):g} points). "
          "Hidden checks run at grading time.")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return _grade(args) if args.command == "grade" else _check(args)
    except (KeyError, FileNotFoundError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
