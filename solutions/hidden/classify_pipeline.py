"""Hidden checks of the ``classify_pipeline`` exercise (grader only).

A split case from another domain with more copies; random logits (binary and four classes)
compared with the reference; and the outcome check: the student's pipeline trained on reviews
from a domain and seed that are on no page, its macro-F1 on the hidden test split within
``TOLERANCE`` of the reference pipeline's (computed once per grading run, in the grader). The
messages say how far off a value is and which mistake fits, never the reference's values.
"""

from autograde.drivers.classify_pipeline import outcome, random_logits
from autograde.spec import Check, PlainData
from autograde.visible.classify_pipeline import (
    PIPELINE_TIMEOUT_S,
    diagnose_metrics,
    split_judge,
    truncation_hint,
)

CANARY = "hidden-canary:classify_pipeline:5e0b93d2"
"""Must never appear in anything shipped to students (``assignments verify`` greps for it)."""

SPLIT = {"seed": 8101, "n_reviews": 150, "copies": 100, "domain": "restaurant",
         "test_size": 0.3, "split_seed": 77}
BINARY = random_logits(5501, 64, 2)
FOUR_CLASSES = random_logits(5502, 80, 4)
PIPELINE = {"seed": 4217, "domain": "movie", "n_train": 400, "n_val": 100, "n_test": 400,
            "long_share": 0.3, "test_long_share": 0.5}
TOLERANCE = 0.05
"""How far below the reference's macro-F1 a pipeline may land. On these reviews correct
pipelines with reasonable settings score within 0.03 of each other; one that cuts the verdict
off long reviews scores 0.2 below."""


def _metrics_judge(case: dict):
    def judge(found: PlainData, reference: PlainData | None) -> str | None:
        return diagnose_metrics(case, found, reference, hidden=True)

    return judge


def _within_reference(found: PlainData, reference: PlainData | None) -> str | None:
    mine, theirs = outcome(PIPELINE, found), outcome(PIPELINE, reference)
    gap = theirs["all"] - mine["all"]
    if gap <= TOLERANCE:
        return None
    return (f"macro-F1 on the hidden test split is {gap:.2f} below the reference pipeline's "
            f"(at most {TOLERANCE} is allowed): {mine['long']:.2f} on its long reviews, "
            f"{mine['short']:.2f} on the short ones; " + truncation_hint(mine))


CHECKS = [
    Check(name="hidden_split", part="split", points=1, driver="split", kwargs=SPLIT,
          judge=split_judge(SPLIT, groups=True, size=True, prefix="on a hidden case, "),
          hidden=True, description="a partition that keeps copies together, on other reviews"),
    Check(name="hidden_metrics_binary", part="metrics", points=1, driver="metrics",
          kwargs=BINARY, judge=_metrics_judge(BINARY), hidden=True,
          description="the three metrics on 64 hidden binary rows, against the reference"),
    Check(name="hidden_metrics_four_classes", part="metrics", points=1, driver="metrics",
          kwargs=FOUR_CLASSES, judge=_metrics_judge(FOUR_CLASSES), hidden=True,
          description="the three metrics on 80 hidden rows of four classes"),
    Check(name="hidden_pipeline_outcome", part="pipeline", points=3, driver="pipeline",
          kwargs=PIPELINE, judge=_within_reference, hidden=True, timeout_s=PIPELINE_TIMEOUT_S,
          description="macro-F1 on a hidden split within 0.05 of the reference pipeline's"),
]
