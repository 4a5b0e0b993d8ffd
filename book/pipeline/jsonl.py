"""Read and write JSONL (one JSON object per line), with errors that name the file and line.

Why not ``datasets.load_dataset("json", ...)`` directly: on a malformed line it raises an
arrow error deep in a stack trace, without the line number. A learner's own data is where
mistakes happen (a stray comma, a missing field, a label that is a list), so the course reads
the file itself, checks every row against the task's fields, and only then builds a
``datasets.Dataset`` from the clean rows. Every problem is reported as ``FILE:LINE: what``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

FieldTypes = Mapping[str, tuple[type, ...]]
"""Required field -> the JSON types it may have, e.g. ``{"text": (str,)}``."""

MAX_REPORTED = 5
"""How many bad lines one error lists before it says how many more there are."""


class InputError(ValueError):
    """Input data is unusable; the message names the file and line and what was expected."""


def _type_names(types: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", list: "a list",
             dict: "an object", bool: "true/false"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def _row_problem(row: Any, fields: FieldTypes, may_be_empty: Collection[str]) -> str | None:
    if not isinstance(row, dict):
        return f"expected a JSON object {{...}}; found {type(row).__name__}"
    for name, types in fields.items():
        if name not in row:
            found = ", ".join(sorted(map(str, row))) or "no fields"
            hint = '"" for none; ' if name in may_be_empty else ""
            return f"missing field {name!r} ({hint}found: {found})"
        value = row[name]
        # bool is an int in Python, but a label `true` is almost certainly a mistake
        if isinstance(value, bool) or not isinstance(value, types):
            return f"field {name!r} must be {_type_names(types)}; found {json.dumps(value)[:60]}"
        if isinstance(value, str) and not value.strip() and name not in may_be_empty:
            return f"field {name!r} is empty"
    return None


def read_jsonl(path: str | Path, fields: FieldTypes,
               may_be_empty: Collection[str] = ()) -> list[dict[str, Any]]:
    """The rows of ``path``, each a dict with at least ``fields`` of the right types.

    A string field must not be blank unless it is in ``may_be_empty`` (Alpaca's ``input`` is
    ``""`` when the instruction says it all). Blank lines are skipped. Raises
    :class:`InputError` listing the first bad lines as ``FILE:LINE: problem``; nothing is
    returned unless every line is good.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    rows, problems = [], []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{path}:{number}: not valid JSON ({exc.msg}, column {exc.colno})")
                continue
            problem = _row_problem(row, fields, may_be_empty)
            if problem:
                problems.append(f"{path}:{number}: {problem}")
            else:
                rows.append(row)
    if problems:
        more = len(problems) - MAX_REPORTED
        tail = [f"... and {more} more bad lines"] if more > 0 else []
        raise InputError("\n".join(problems[:MAX_REPORTED] + tail))
    if not rows:
        raise InputError(f"{path}: no rows (the file is empty)")
    return rows


def write_jsonl(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    """Write ``rows`` one JSON object per line (UTF-8, non-ASCII kept readable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(dict(row), ensure_ascii=False) + "\n")
    return path
