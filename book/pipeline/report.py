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


def markdown(report: dict[str, Any]) -> str:
    """``report`` for people: provenance, headline metrics, per class, confusion."""
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
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], json_path: str | Path) -> tuple[Path, Path]:
    """Write ``report`` to ``json_path`` and its Markdown beside it (same name, ``.md``)."""
    json_path = Path(json_path)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2, allow_nan=True) + "\n")
    md_path = json_path.with_suffix(".md")
    md_path.write_text(markdown(report))
    return json_path, md_path
