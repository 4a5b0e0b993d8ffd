"""Compare two evaluation reports: the difference per metric, with a bootstrap interval.

Why an interval: on a few hundred test examples, one model beating another by a point of
accuracy is often luck of the draw. Resampling the test rows (Efron's bootstrap) shows how much
the difference would move on another sample of the same size. When both reports scored the
same rows (same data hash) the resampling is *paired*: each resample takes the same rows for
both models, which removes the difficulty they share and gives a tighter, honest interval.
A winner is named only when the 95 % interval excludes zero.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from book.pipeline.metrics import bootstrap_difference, roc_auc

MetricFn = Callable[[dict[str, np.ndarray], np.ndarray], float]


def _classify_arrays(examples: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    return {"label": np.array([e["label"] for e in examples]),
            "probs": np.array([e["probs"] for e in examples], dtype=float)}


def _flag_arrays(examples: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    return {key: np.array([float(e[key]) for e in examples]) for key in ("exact_match", "success")}


def _macro_f1(a: dict[str, np.ndarray], idx: np.ndarray) -> float:
    return float(f1_score(a["label"][idx], a["probs"][idx].argmax(-1), average="macro",
                          labels=list(range(a["probs"].shape[1])), zero_division=0))


METRICS: dict[str, tuple[Callable[[list[dict[str, Any]]], dict[str, np.ndarray]],
                         dict[str, MetricFn]]] = {
    "classify": (_classify_arrays, {
        "accuracy": lambda a, i: float(accuracy_score(a["label"][i], a["probs"][i].argmax(-1))),
        "macro_f1": _macro_f1,
        "roc_auc": lambda a, i: roc_auc(a["label"][i], a["probs"][i]),
    }),
    "instruct": (_flag_arrays, {
        "exact_match": lambda a, i: float(a["exact_match"][i].mean()),
        "success_rate": lambda a, i: float(a["success"][i].mean()),
    }),
}
"""Per task: how to turn a report's examples into arrays, and each metric on a row subset."""

COSTS = ("mean_latency_s", "mean_new_tokens")
"""Shown side by side, not resampled: the price of an answer, not its quality (latency also
depends on what else the machine was doing)."""


class CompareError(ValueError):
    """The two reports cannot be compared; the message says why."""


def compare(a: dict[str, Any], b: dict[str, Any], *, seed: int = 0) -> list[dict[str, Any]]:
    """One row per metric: A, B, B - A, its 95 % bootstrap interval, and the winner (or none)."""
    if a.get("task") != b.get("task"):
        raise CompareError(f"the reports are for different tasks: {a.get('task')!r} and "
                           f"{b.get('task')!r}")
    if a["task"] not in METRICS:
        raise CompareError(f"unknown task {a['task']!r}; expected one of {sorted(METRICS)}")
    to_arrays, metrics = METRICS[a["task"]]
    arrays_a, arrays_b = to_arrays(a["examples"]), to_arrays(b["examples"])
    paired = a["data"]["sha256"] == b["data"]["sha256"]
    n_a, n_b = len(a["examples"]), len(b["examples"])
    rows = []
    for name, fn in metrics.items():
        value_a, value_b = fn(arrays_a, np.arange(n_a)), fn(arrays_b, np.arange(n_b))
        if paired:
            low, high = bootstrap_difference(lambda i, fn=fn: fn(arrays_b, i) - fn(arrays_a, i),
                                             n_a, seed=seed)
        else:  # independent samples: resample each report on its own
            rng = np.random.default_rng(seed + 1)
            low, high = bootstrap_difference(
                lambda i, fn=fn, rng=rng: fn(arrays_b, rng.integers(0, n_b, n_b))
                - fn(arrays_a, i),
                n_a, seed=seed)
        if low > 0:
            winner = "B"
        elif high < 0:
            winner = "A"
        else:
            winner = "no clear winner"
        rows.append({"metric": name, "A": value_a, "B": value_b, "difference": value_b - value_a,
                     "ci_low": low, "ci_high": high, "winner": winner})
    return rows


def markdown(a: dict[str, Any], b: dict[str, Any], rows: list[dict[str, Any]],
             names: tuple[str, str] = ("A", "B")) -> str:
    """The comparison as a Markdown report."""
    paired = a["data"]["sha256"] == b["data"]["sha256"]
    lines = [
        "# Comparison", "",
        f"- A: `{a['model']}` on `{a['data']['path']}` ({a['data']['rows']} rows) — {names[0]}",
        f"- B: `{b['model']}` on `{b['data']['path']}` ({b['data']['rows']} rows) — {names[1]}",
        "- interval: 95 % bootstrap of B − A, "
        + ("paired (both scored the same rows)" if paired
           else "unpaired (the reports scored different data)"),
        "- a winner is named only when the interval excludes 0", "",
        "| metric | A | B | B − A | 95 % interval | winner |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(f"| {r['metric']} | {r['A']:.4f} | {r['B']:.4f} | {r['difference']:+.4f} "
                     f"| [{r['ci_low']:+.4f}, {r['ci_high']:+.4f}] | {r['winner']} |")
    costs = [k for k in COSTS if k in a.get("metrics", {}) and k in b.get("metrics", {})]
    if costs:
        lines += ["", "Not resampled: " + "; ".join(
            f"{k} A {a['metrics'][k]:.4f}, B {b['metrics'][k]:.4f}" for k in costs) + "."]
    return "\n".join(lines) + "\n"
