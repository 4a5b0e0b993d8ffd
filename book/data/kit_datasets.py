"""The datasets the offline kit ships, written with ``save_to_disk``.

Why saved and not generated on the fly: ``load_classification`` must behave like
``load_dataset`` (read files, get a ``DatasetDict``), and the kit manifest pins the exact
rows by hash, so a site rebuild can prove it used the same data.

What is written under ``target`` (the kit's ``datasets`` folder):

``reviews``
    software-domain reviews, train/validation/test 2000/500/1000, balanced, no label noise;
    what ``load_classification("reviews")`` returns offline.
``reviews_restaurant``
    restaurant-domain reviews, 500/500/1000: a small labeled set in the domain that the kit
    LM never saw, for the domain-adaptive pre-training chapter.
``unlabeled_restaurant``
    5000 unlabeled restaurant reviews to continue pre-training on (DAPT).
``instructions``
    instruction data in five trained task families and one held-out family
    (:mod:`book.data.instructions`), 300/50/100 rows per family, for instruction tuning.
``facts``
    36 "which team owns which service" facts, 24 of them to train on, for fine-tuning vs
    retrieval.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from datasets import Dataset, DatasetDict

from book.data.corpus import unlabeled_reviews
from book.data.instructions import make_facts, make_instructions
from book.data.lexicons import DAPT_DOMAIN
from book.data.reviews import make_review_splits

REVIEW_SIZES = {"train": 2000, "validation": 500, "test": 1000}
RESTAURANT_SIZES = {"train": 500, "validation": 500, "test": 1000}
N_UNLABELED_RESTAURANT = 5000


def rows_sha256(ds: Dataset) -> str:
    """SHA-256 over the rows (every column, in order)."""
    digest = hashlib.sha256()
    for row in ds:
        digest.update(json.dumps(row, sort_keys=True).encode("utf-8") + b"\n")
    return digest.hexdigest()


def _save(data: Dataset | DatasetDict, path: Path) -> None:
    """Write next to ``path`` and swap in, so an interrupted build leaves no half dataset."""
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    data.save_to_disk(str(tmp))
    shutil.rmtree(path, ignore_errors=True)
    tmp.rename(path)


def _describe(data: Dataset | DatasetDict, **extra: object) -> dict:
    splits = data.items() if isinstance(data, DatasetDict) else [("all", data)]
    return {
        **extra,
        "splits": {name: {"rows": len(ds), "sha256": rows_sha256(ds)} for name, ds in splits},
    }


def build_kit_datasets(target: Path, seed: int = 0) -> dict:
    """Write the kit datasets under ``target``; return a JSON-able manifest fragment."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    built: dict[str, tuple[Dataset | DatasetDict, dict]] = {
        "reviews": (
            make_review_splits(*REVIEW_SIZES.values(), domain="software", seed=seed),
            {"domain": "software", "positive_ratio": 0.5, "label_noise": 0.0},
        ),
        "reviews_restaurant": (
            make_review_splits(*RESTAURANT_SIZES.values(), domain=DAPT_DOMAIN, seed=seed),
            {"domain": DAPT_DOMAIN, "positive_ratio": 0.5, "label_noise": 0.0},
        ),
        "unlabeled_restaurant": (
            unlabeled_reviews(N_UNLABELED_RESTAURANT, domains=(DAPT_DOMAIN,), seed=seed),
            {"domain": DAPT_DOMAIN},
        ),
        "instructions": (make_instructions(seed=seed), {"task": "instruct"}),
        "facts": (make_facts(seed=seed), {"task": "instruct"}),
    }
    manifest = {}
    for name, (data, info) in built.items():
        _save(data, target / name)
        manifest[name] = _describe(data, **info)
    return {"seed": seed, "datasets": manifest}
