"""Judge helpers shared by exercises: compare plain data and say where it differs.

A judge's message is all a student sees of a failed check, so the comparison reports the
first place that differs (``loss[3]: expected 0.25, found 0.75``) rather than "wrong".
"""

from __future__ import annotations

from collections.abc import Mapping

from autograde.exercise import close
from autograde.spec import Judge, PlainData


def _describe(value: PlainData) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(value)}"
    return repr(value)


def mismatch(
    found: PlainData, expected: PlainData, *, where: str, rel: float = 1e-5, abs_: float = 1e-6
) -> str | None:
    """None if ``found`` equals ``expected`` (numbers within tolerance), else where it differs."""
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        same = found is expected or (type(found) is type(expected) and found == expected)
        return None if same else f"{where}: expected {expected!r}, found {_describe(found)}"
    if isinstance(expected, (int, float)):
        if close(found, float(expected), rel=rel, abs_=abs_):
            return None
        return f"{where}: expected {expected:.6g}, found {_describe(found)}"
    if isinstance(expected, list):
        if not isinstance(found, list) or len(found) != len(expected):
            return f"{where}: expected {_describe(expected)}, found {_describe(found)}"
        for i, (f, e) in enumerate(zip(found, expected, strict=True)):
            message = mismatch(f, e, where=f"{where}[{i}]", rel=rel, abs_=abs_)
            if message:
                return message
        return None
    if isinstance(expected, Mapping):
        if not isinstance(found, Mapping) or set(found) != set(expected):
            return f"{where}: expected {_describe(expected)}, found {_describe(found)}"
        for key in expected:
            message = mismatch(found[key], expected[key], where=f"{where}[{key!r}]", rel=rel,
                               abs_=abs_)
            if message:
                return message
        return None
    raise TypeError(f"expected plain data to compare with; found {type(expected).__name__}")


def equals(expected: PlainData, *, what: str, rel: float = 1e-5, abs_: float = 1e-6) -> Judge:
    """A visible check's judge: the output must equal baked-in ``expected``."""

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        return mismatch(found, expected, where=what, rel=rel, abs_=abs_)

    return judge


def matches_reference(*, what: str, rel: float = 1e-5, abs_: float = 1e-6) -> Judge:
    """A hidden check's judge: the output must equal the reference's on the same inputs."""

    def judge(found: PlainData, reference: PlainData | None) -> str | None:
        message = mismatch(found, reference, where=what, rel=rel, abs_=abs_)
        return message and f"on hidden inputs, {message}"

    return judge
