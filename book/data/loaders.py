"""Load a labeled dataset by its course name, from the offline kit or the Hugging Face Hub.

Why a loader: chapter code says ``load_classification("reviews")`` and gets train,
validation and test splits with ``text`` and ``label`` (``negative``/``positive``) whichever
source ``book.config.source()`` picks. Offline, the splits are the generated reviews the kit
saved with ``save_to_disk``; on the hub, a real dataset whose columns and splits are mapped
onto the course schema by the table ``HUB_DATASETS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import datasets
from datasets import DatasetDict

from book import config
from book.data.phenomena import tag_phenomenon
from book.data.schema import LABEL, check_classification

VALIDATION_SEED = 0
"""Seed of the train/validation carve-out for hub datasets that ship no labeled validation."""


@dataclass(frozen=True)
class HubSpec:
    """How one hub dataset maps onto the course schema."""

    hub_id: str
    """What ``datasets.load_dataset`` gets: a hub id, or a local folder of data files."""
    text_column: str
    test_split: str
    """Hub split used as our test split (SST-2's own test split has no labels)."""
    validation_split: str | None = None
    """Hub split used as validation; ``None``: carve ``validation_size`` rows from train."""
    validation_size: int = 1000
    label_column: str = "label"


HUB_DATASETS: dict[str, HubSpec] = {
    # SST-2 (Socher et al. 2013): movie-review sentences, built to study compositional
    # sentiment; labels 0 = negative, 1 = positive; its test split is unlabeled (-1).
    "reviews": HubSpec("stanfordnlp/sst2", text_column="sentence", test_split="validation"),
    # Yelp polarity (Zhang et al. 2015, https://arxiv.org/abs/1509.01626): class names '1'
    # (1-2 stars) and '2' (3-4 stars) in that order, i.e. 0 = negative, 1 = positive.
    "reviews_restaurant": HubSpec("fancyzhx/yelp_polarity", text_column="text",
                                  test_split="test"),
}
KIT_BUILD_HINT = "run `python -m book.kit build` (or `make kit`) to build the offline kit"


def kit_datasets_dir() -> Path:
    """Where the active kit keeps its datasets (``build_kit_datasets`` writes there).

    The active kit is the one ``$FTCOURSE_KIT_PRESET`` names, as for the model, so a test
    suite pointed at the tiny kit reads the tiny kit's datasets too.
    """
    from book.kit.layout import paths  # late: book.kit imports book.data to build the kit

    return paths().datasets


def load_from_kit(name: str) -> DatasetDict:
    """The kit's ``save_to_disk`` copy of ``name``, checked against the course schema."""
    data = _load_kit_folder(name)
    path = kit_datasets_dir() / name
    if not isinstance(data, DatasetDict):
        raise ValueError(f"{path}: expected a DatasetDict with splits; found {type(data).__name__}")
    check_classification(data, where=str(path))
    return data


def load_from_hub(spec: HubSpec) -> DatasetDict:
    """``datasets.load_dataset(spec.hub_id)`` mapped to train/validation/test, text/label.

    Rows with a label outside {0, 1} (``-1`` marks hidden test labels) are dropped;
    labels are cast to the course ``ClassLabel`` after that check.
    """
    raw = datasets.load_dataset(spec.hub_id)
    needed = ["train", spec.test_split] + ([spec.validation_split] if spec.validation_split
                                           else [])
    missing = [s for s in needed if s not in raw]
    if missing:
        raise ValueError(f"{spec.hub_id}: expected splits {needed}; found {list(raw)}")

    def normalise(split: str) -> datasets.Dataset:
        ds = raw[split]
        columns = [spec.text_column, spec.label_column]
        absent = [c for c in columns if c not in ds.column_names]
        if absent:
            raise ValueError(
                f"{spec.hub_id} [{split}]: expected columns {columns}; found {ds.column_names}"
            )
        ds = ds.select_columns(columns).rename_columns(
            {spec.text_column: "text", spec.label_column: "label"}
        )
        ds = ds.filter(lambda labels: [y in (0, 1) for y in labels], input_columns="label",
                       batched=True)
        ds = ds.map(lambda texts: {"phenomenon": [tag_phenomenon(t) for t in texts]},
                    input_columns="text", batched=True)
        return ds.cast_column("label", LABEL)

    train = normalise("train")
    if spec.validation_split:
        validation = normalise(spec.validation_split)
    else:
        parts = train.train_test_split(test_size=spec.validation_size, seed=VALIDATION_SEED,
                                       stratify_by_column="label")
        train, validation = parts["train"], parts["test"]
    data = DatasetDict(train=train, validation=validation, test=normalise(spec.test_split))
    check_classification(data, where=spec.hub_id)
    return data


def load_instructions() -> DatasetDict:
    """The kit's instruction data (:mod:`book.data.instructions`): train, validation, test and
    test_heldout, with columns instruction, input, output, family, domain, meta.

    The same in both sources: it is course data (task families with exact answers), not a
    stand-in for a hub dataset; with ``FTCOURSE_SOURCE=hub`` only the models change.
    """
    return _load_kit_folder("instructions")


def load_facts() -> datasets.Dataset:
    """The kit's facts set: service, team, fact, trained (see :func:`load_instructions`)."""
    return _load_kit_folder("facts")


def _load_kit_folder(name: str):
    path = kit_datasets_dir() / name
    if not path.is_dir():
        raise FileNotFoundError(f"offline dataset {name!r} not found at {path}: {KIT_BUILD_HINT}")
    return datasets.load_from_disk(str(path))


def load_classification(name: str = "reviews", source: config.Source | None = None) -> DatasetDict:
    """Train/validation/test splits of ``name`` with columns ``text`` and ``label``.

    ``source``: ``"offline"`` (the kit) or ``"hub"``; ``None`` follows ``FTCOURSE_SOURCE``.
    Both carry ``phenomenon``: offline the grammar's own, on the hub tagged by rule
    (:func:`book.data.phenomena.tag_phenomenon`), so per-phenomenon tables work on either.
    Offline splits also have ``domain`` and ``noisy``.
    """
    if name not in HUB_DATASETS:
        raise ValueError(f"name must be one of {sorted(HUB_DATASETS)}; found {name!r}")
    chosen = source or config.source()
    if chosen == "offline":
        return load_from_kit(name)
    if chosen == "hub":
        return load_from_hub(HUB_DATASETS[name])
    raise ValueError(f"source must be 'offline', 'hub' or None; found {chosen!r}")
