"""The one schema every classification dataset of the course has, whatever its source.

Why one schema: chapter code is the same offline and online only if the offline generator
and every hub dataset arrive with the same columns and label names. ``text`` (str) and
``label`` (``ClassLabel(names=["negative", "positive"])``) are the contract; generated data
carries extra columns (``phenomenon``, ``domain``, ``noisy``) for error analysis.
"""

from __future__ import annotations

from datasets import ClassLabel, Dataset, DatasetDict, Value

LABEL_NAMES: tuple[str, ...] = ("negative", "positive")
LABEL = ClassLabel(names=list(LABEL_NAMES))
SPLITS: tuple[str, ...] = ("train", "validation", "test")


def check_classification(data: Dataset | DatasetDict, *, where: str) -> None:
    """Raise ``ValueError`` naming ``where`` if ``data`` breaks the text/label contract."""
    parts = data.items() if isinstance(data, DatasetDict) else [("dataset", data)]
    for split, ds in parts:
        text, label = ds.features.get("text"), ds.features.get("label")
        if text != Value("string"):
            raise ValueError(f"{where} [{split}]: expected a string column 'text'; found {text}")
        if not isinstance(label, ClassLabel) or tuple(label.names) != LABEL_NAMES:
            raise ValueError(
                f"{where} [{split}]: expected 'label' as ClassLabel(names={list(LABEL_NAMES)}); "
                f"found {label}"
            )
