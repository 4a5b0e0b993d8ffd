"""What a student's notebook calls: run the visible checks of one part, in the kernel.

This is a self-check, not the grade. At grading time the engine runs the same checks (and
hidden ones) on the submitted notebook in a sandbox; nothing this function prints or returns
is trusted there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autograde.exercise import CheckResult, call_driver, describe_exception, judge, visible_checks


def run_visible(exercise: str, part: str, ns: Mapping[str, Any]) -> list[CheckResult]:
    """Run the visible checks of ``part`` on the functions defined in ``ns``."""
    results = []
    checks = [c for c in visible_checks(exercise) if c.part == part]
    if not checks:
        raise KeyError(f"{exercise} has no visible checks in part {part!r}")
    for check in checks:
        try:
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
