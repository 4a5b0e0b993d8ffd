"""Evaluation reports written by code: JSON for machines, Markdown for people.

A number in a slide deck is only worth something if you can say which model, which data, which
seed and which library versions produced it. Every report carries that provenance, and the
per-example predictions, so two reports can later be compared row by row
(:mod:`book.pipeline.compare`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LIBRARIES = ("torch", "transformers", "datasets", "peft", "scikit-learn", "numpy")
MISSES_SHOWN = 5
"""How many wrong answers the Markdown of an instruction report shows (the JSON has them all)."""


def data_sha256(rows: Sequence[dict[str, Any]]) -> str:
    """SHA-256 of the rows' JSON (keys sorted), in order: the same data gives the same hash."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, sort_keys=True, ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Python and the versions of the libraries that decide the numbers."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def build_report(*, task: str, model: str, base_model: str | None, data_path: str,
                 rows: Sequence[dict[str, Any]], seed: int | None, metrics: dict[str, Any],
                 examples: list[dict[str, Any]]) -> dict[str, Any]:
    """The report as a JSON-able dict (see the module docstring for why each field is there)."""
    return {
        "task": task,
        "model": model,
        "base_model": base_model,
        "data": {"path": data_path, "rows": len(rows), "sha256": data_sha256(rows)},
        "seed": seed,
        "versions": versions(),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "metrics": metrics,
        "examples": examples,
    }


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _cell(text: Any) -> str:
    """``text`` as one Markdown table cell: one line, pipes escaped, long text cut."""
    flat = " ".join(str(text).split()).replace("|", "\\|")
    return flat if len(flat) <= 80 else flat[:79] + "…"


def _instruct_sections(examples: list[dict[str, Any]]) -> list[str]:
    """Per task family (when the rows name one) and the first answers that missed."""
    lines = []
    families = sorted({e["family"] for e in examples if "family" in e})
    if families:
        lines += ["", "| family | rows | exact match | success rate |", "| --- | --- | --- | --- |"]
        for family in families:
            rows = [e for e in examples if e.get("family") == family]
            lines.append(f"| {family} | {len(rows)} | "
                         f"{_fmt(sum(e['exact_match'] for e in rows) / len(rows))} | "
                         f"{_fmt(sum(e['success'] for e in rows) / len(rows))} |")
    misses = [e for e in examples if not e["exact_match"]]
    if misses:
        lines += ["", f"First {min(len(misses), MISSES_SHOWN)} of {len(misses)} answers that "
                  "are not an exact match:", "",
                  "| instruction | input | reference | response |", "| --- | --- | --- | --- |"]
        lines += [f"| {_cell(e['instruction'])} | {_cell(e['input'])} | {_cell(e['reference'])} "
                  f"| {_cell(e['response'])} |" for e in misses[:MISSES_SHOWN]]
    return lines


def markdown(report: dict[str, Any]) -> str:
    """``report`` for people: provenance, headline metrics; per class and confusion for a
    classifier, per family and the first misses for instruction data."""
    metrics = report["metrics"]
    lines = [
        f"# Evaluation of `{report['model']}`", "",
        f"- task: {report['task']}",
        f"- base model: {report.get('base_model') or 'n/a'}",
        f"- data: `{report['data']['path']}` ({report['data']['rows']} rows, "
        f"sha256 `{report['data']['sha256'][:16]}…`)",
        f"- seed: {report.get('seed')}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()),
        "", "| metric | value |", "| --- | --- |",
    ]
    headline = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
    lines += [f"| {k} | {_fmt(v)} |" for k, v in headline.items()]
    if "per_class" in metrics:
        lines += ["", "| class | precision | recall | F1 | support |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| {name} | {_fmt(c['precision'])} | {_fmt(c['recall'])} | {_fmt(c['f1'])} "
                  f"| {c['support']} |" for name, c in metrics["per_class"].items()]
    if "confusion" in metrics:
        names = metrics["labels"]
        lines += ["", "Confusion matrix (rows: true label, columns: predicted):", "",
                  "| true \\ predicted | " + " | ".join(names) + " |",
                  "| --- | " + " | ".join("---" for _ in names) + " |"]
        lines += [f"| {name} | " + " | ".join(str(c) for c in row) + " |"
                  for name, row in zip(names, metrics["confusion"], strict=True)]
    if report["task"] == "instruct":
        lines += _instruct_sections(report["examples"])
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], json_path: str | Path) -> tuple[Path, Path]:
    """Write ``report`` to ``json_path`` and its Markdown beside it (same name, ``.md``)."""
    json_path = Path(json_path)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2, allow_nan=True) + "\n")
    md_path = json_path.with_suffix(".md")
    md_path.write_text(markdown(report))
    return json_path, md_path
