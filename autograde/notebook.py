"""What a student's notebook calls: run the visible checks of one part, in the kernel.

This is a self-check, not the grade. At grading time the engine runs the same checks (and
hidden ones) on the submitted notebook in a sandbox; nothing this function prints or returns
is trusted there.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from autograde.exercise import CheckResult, call_driver, describe_exception, judge, visible_checks
from autograde.spec import StudentError


class CheckTimedOut(StudentError):
    """The student's code ran past the check's time limit (a loop that never ends, say)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Stop the code inside after ``seconds`` with :class:`CheckTimedOut`.

    Why: in Jupyter a self-check that never returns would hang the notebook; the grader has
    its own limits, but the student's kernel has none. Uses ``SIGALRM``, so it works in the
    main thread on Linux and macOS (where kernels run cells); elsewhere there is no limit.
    """
    main_thread = threading.current_thread() is threading.main_thread()
    if not hasattr(signal, "setitimer") or not main_thread:
        yield
        return

    def stop(signum, frame):
        raise CheckTimedOut(f"your code was still running after {seconds:g} s, this check's "
                            "time limit: look for a loop that never ends, or work far larger "
                            "than the check asks for")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_visible(exercise: str, part: str, ns: Mapping[str, Any]) -> list[CheckResult]:
    """Run the visible checks of ``part`` on the functions defined in ``ns``."""
    results = []
    checks = [c for c in visible_checks(exercise) if c.part == part]
    if not checks:
        raise KeyError(f"{exercise} has no visible checks in part {part!r}")
    for check in checks:
        try:
            with time_limit(check.timeout_s):
                output, error = call_driver(exercise, check, ns), None
        except Exception as exc:  # the student's code failing is a result, not a crash
            output, error = None, describe_exception(exc)
        results.append(judge(exercise, check, output, error=error))
    return results


class ChecksFailed(AssertionError):
    """Visible checks failed. In Jupyter it shows as its message alone: the frames of this
    module would only add the grader's install path to what the student reads."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for custom tracebacks
        return [f"{type(self).__name__}: {self}"]


def check_part(exercise: str, part: str, ns: Mapping[str, Any]) -> None:
    """Print one line per visible check; raise :class:`ChecksFailed` (an ``AssertionError``)
    naming what failed."""
    results = run_visible(exercise, part, ns)
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        print(f"[{mark}] {r.name}: {r.message if not r.passed else r.description or 'ok'}")
    failed = [r for r in results if not r.passed]
    if failed:
        raise ChecksFailed(
            f"{len(failed)} of {len(results)} checks failed in {exercise}/{part}: "
            + "; ".join(f"{r.name}: {r.message}" for r in failed)
        )
    print(f"All {len(results)} visible checks passed for {exercise}/{part}.")
