"""Where grades live on disk: one JSON file per student, CSVs assembled from them.

Why per-student files: a run killed midway keeps every student finished so far (each file is
written atomically: temp file, fsync, rename), a re-run skips them, and the class-wide CSVs
are always rebuilt from the files, so they can never disagree with them. All of this lives
in the grader's output folder, which the sandbox cannot see.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from autograde.engine import Graded
from autograde.exercise import CheckResult

GRADEBOOK_COLUMNS = ("student", "exercise", "part", "check", "points", "max_points", "message")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


def check_student_id(student: str) -> str:
    """Student ids become file names: refuse anything that could escape the folder."""
    if not _SAFE_ID.match(student):
        raise ValueError(f"student id must be letters, digits and ._@+- (at most 128 "
                         f"characters, not starting with a dot); found {student!r}")
    return student


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def result_path(out_dir: Path, student: str) -> Path:
    return out_dir / "results" / f"{check_student_id(student)}.json"


def save_result(out_dir: Path, student: str, exercises: list[str], graded: Graded,
                notebooks: dict[str, str]) -> dict[str, Any]:
    record = {
        "student": student, "exercises": sorted(exercises), "notebooks": notebooks,
        "checks": [asdict(r) for r in graded.results], "notes": graded.notes,
        "errors": graded.errors, "seconds": round(graded.seconds, 3),
    }
    write_atomic(result_path(out_dir, student), json.dumps(record, indent=1))
    return record


def load_result(out_dir: Path, student: str, exercises: list[str]) -> dict[str, Any] | None:
    """A finished result for exactly these exercises, or None (missing, partial, other run)."""
    path = result_path(out_dir, student)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("exercises") != sorted(exercises):
        return None
    return record


def check_results(record: dict[str, Any]) -> list[CheckResult]:
    return [CheckResult(**c) for c in record["checks"]]


def _csv(rows: list[list[Any]], header: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_gradebook(out_dir: Path, records: list[dict[str, Any]]) -> tuple[Path, Path]:
    """``gradebook.csv`` (one row per check) and ``summary.csv`` (one row per student)."""
    rows, totals = [], []
    for record in sorted(records, key=lambda r: r["student"]):
        results = check_results(record)
        rows += [[record["student"], r.exercise, r.part, r.name, float(r.points),
                  float(r.max_points), r.message] for r in results]
        totals.append([record["student"], round(float(sum(r.points for r in results)), 6),
                       round(float(sum(r.max_points for r in results)), 6)])
    gradebook, summary = out_dir / "gradebook.csv", out_dir / "summary.csv"
    write_atomic(gradebook, _csv(rows, GRADEBOOK_COLUMNS))
    write_atomic(summary, _csv(totals, ("student", "total", "max_total")))
    return gradebook, summary
