"""book.data loaders and kit datasets: offline via save_to_disk, hub via local data files.

The hub branch runs the real ``datasets.load_dataset`` call on a local folder with an
SST-2-like (or Yelp-like) schema, so nothing touches the network.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import datasets
import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from book.data import build_kit_datasets, load_classification, loaders, make_review_splits
from book.data.kit_datasets import rows_sha256


@pytest.fixture
def kit_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty course cache; returns the kit datasets folder inside it."""
    monkeypatch.setenv("FTCOURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("FTCOURSE_KIT_PRESET", raising=False)
    return tmp_path / "cache" / "kit" / "datasets"


@pytest.fixture
def hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep ``load_dataset``'s Arrow cache out of the user's home."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf")


def test_offline_reads_the_kit_copy(kit_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved = make_review_splits(60, 20, 30, seed=2)
    saved.save_to_disk(str(kit_cache / "reviews"))
    monkeypatch.setenv("FTCOURSE_SOURCE", "offline")
    for loaded in (load_classification("reviews"), load_classification(source="offline")):
        assert list(loaded) == ["train", "validation", "test"]
        for split in saved:
            assert loaded[split].to_dict() == saved[split].to_dict()


def test_offline_reads_the_kit_of_the_active_preset(
    kit_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = make_review_splits(60, 20, 30, seed=2)
    tiny = make_review_splits(60, 20, 30, seed=3)
    course.save_to_disk(str(kit_cache / "reviews"))
    tiny.save_to_disk(str(kit_cache.parent.parent / "kit-tiny" / "datasets" / "reviews"))
    monkeypatch.setenv("FTCOURSE_KIT_PRESET", "tiny")
    loaded = load_classification("reviews", source="offline")
    assert loaded["test"].to_dict() == tiny["test"].to_dict()


def test_offline_missing_kit_says_how_to_build_it(kit_cache: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"python -m book\.kit build"):
        load_classification("reviews", source="offline")


def test_offline_rejects_a_dataset_without_the_course_schema(kit_cache: Path) -> None:
    bad = DatasetDict(train=Dataset.from_dict({"text": ["a"], "label": [1]}))
    bad.save_to_disk(str(kit_cache / "reviews"))
    with pytest.raises(ValueError, match="expected 'label' as ClassLabel"):
        load_classification("reviews", source="offline")


def test_unknown_name_and_source() -> None:
    with pytest.raises(ValueError, match="name must be one of"):
        load_classification("imdb_reviews", source="offline")
    with pytest.raises(ValueError, match="source must be"):
        load_classification("reviews", source="cloud")  # type: ignore[arg-type]


def _write_parquet(folder: Path, splits: dict[str, dict[str, list]],
                   features: Features | None = None) -> None:
    folder.mkdir(parents=True)
    for split, columns in splits.items():
        Dataset.from_dict(columns, features=features).to_parquet(str(folder / f"{split}.parquet"))


def test_hub_sst2_schema_is_normalised(tmp_path: Path, hf_cache: None,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "sst2"
    sentences = [f"sentence number {i}" for i in range(30)]
    _write_parquet(folder, {
        "train": {"idx": list(range(20)), "sentence": sentences[:20], "label": [0, 1] * 10},
        "validation": {"idx": list(range(6)), "sentence": sentences[20:26],
                       "label": [1, 0, 1, 0, 1, 1]},
        "test": {"idx": list(range(4)), "sentence": sentences[26:], "label": [-1] * 4},
    })
    spec = dataclasses.replace(loaders.HUB_DATASETS["reviews"], hub_id=str(folder),
                               validation_size=4)
    assert spec.text_column == "sentence" and spec.test_split == "validation"
    monkeypatch.setitem(loaders.HUB_DATASETS, "reviews", spec)
    monkeypatch.setenv("FTCOURSE_SOURCE", "hub")

    data = load_classification("reviews")
    assert list(data) == ["train", "validation", "test"]
    for ds in data.values():
        assert ds.column_names == ["text", "label", "phenomenon"]  # phenomenon: by rule
        assert ds.features["label"] == ClassLabel(names=["negative", "positive"])
    # SST-2's labeled validation split becomes our test split; the unlabeled test is unused
    assert data["test"]["text"] == sentences[20:26]
    assert data["test"]["label"] == [1, 0, 1, 0, 1, 1]
    # validation is carved from train, stratified and seeded
    assert len(data["validation"]) == 4 and sum(data["validation"]["label"]) == 2
    assert sorted([*data["train"]["text"], *data["validation"]["text"]]) == sorted(sentences[:20])
    assert load_classification("reviews")["validation"]["text"] == data["validation"]["text"]


def test_hub_drops_unlabeled_rows_and_checks_columns(tmp_path: Path, hf_cache: None) -> None:
    folder = tmp_path / "yelp"
    _write_parquet(folder, {
        "train": {"text": [f"t{i}" for i in range(10)], "label": [0, 1, -1, 1, 0, 1, 0, 1, 0, 1]},
        "test": {"text": ["a", "b", "c"], "label": [1, -1, 0]},
    }, features=Features(text=Value("string"), label=ClassLabel(names=["1", "2"])))  # as Yelp
    spec = dataclasses.replace(loaders.HUB_DATASETS["reviews_restaurant"], hub_id=str(folder),
                               validation_size=2)
    data = loaders.load_from_hub(spec)
    assert data["test"]["text"] == ["a", "c"] and data["test"]["label"] == [1, 0]
    assert data["train"].features["label"].names == ["negative", "positive"]
    assert len(data["train"]) + len(data["validation"]) == 9
    wrong = dataclasses.replace(spec, text_column="sentence")
    with pytest.raises(ValueError, match=r"expected columns \['sentence', 'label'\]"):
        loaders.load_from_hub(wrong)
    with pytest.raises(ValueError, match="expected splits"):
        loaders.load_from_hub(dataclasses.replace(spec, test_split="validation"))


def test_build_kit_datasets_roundtrip(kit_cache: Path) -> None:
    manifest = build_kit_datasets(kit_cache, seed=0)
    json.dumps(manifest)  # JSON-able
    assert manifest["seed"] == 0
    entries = manifest["datasets"]
    assert set(entries) == {"reviews", "reviews_restaurant", "unlabeled_restaurant",
                            "instructions", "facts"}
    assert {s: e["rows"] for s, e in entries["reviews"]["splits"].items()} == {
        "train": 2000, "validation": 500, "test": 1000}

    reviews = load_classification("reviews", source="offline")
    restaurant = load_classification("reviews_restaurant", source="offline")
    for name, data in (("reviews", reviews), ("reviews_restaurant", restaurant)):
        for split, ds in data.items():
            assert entries[name]["splits"][split]["sha256"] == rows_sha256(ds)
            assert abs(sum(ds["label"]) / len(ds) - 0.5) < 1e-9
    assert set(reviews["train"]["domain"]) == {"software"}
    assert set(restaurant["test"]["domain"]) == {"restaurant"}
    unlabeled = datasets.load_from_disk(str(kit_cache / "unlabeled_restaurant"))
    assert len(unlabeled) == 5000 and set(unlabeled["domain"]) == {"restaurant"}

    # rebuilding over an existing kit gives the same rows; another seed other rows
    assert build_kit_datasets(kit_cache, seed=0) == manifest
    assert not list(kit_cache.glob("*.tmp"))
    other = build_kit_datasets(kit_cache, seed=1)["datasets"]["reviews"]["splits"]["test"]
    assert other["sha256"] != entries["reviews"]["splits"]["test"]["sha256"]
