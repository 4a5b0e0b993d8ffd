"""A Hugging Face cache shaped like the real hub's, built offline, for hub-mode tests.

``FTCOURSE_SOURCE=hub`` makes the course load real hub ids (``openai-community/gpt2``,
``stanfordnlp/sst2``, ...). Without the network, this module writes what a first online run
would have left behind, under the real ids, so that ``from_pretrained`` and ``load_dataset``
take their real offline code paths (``HF_HUB_OFFLINE=1``):

- models: ``$HF_HOME/hub/models--<owner>--<name>/snapshots/<sha>/`` plus ``refs/main``, as
  ``huggingface_hub`` lays them out; the weights are a tiny random GPT-2 and the tokenizer is
  the kit's with its padding token removed, as GPT-2's has none;
- datasets: ``$HF_HOME/datasets/<owner>___<name>/default/0.0.0/<sha>/``, the Arrow cache
  that ``load_dataset`` reads offline (its "Using the latest cached version" path), made by
  the same Parquet builder that prepares hub datasets, from hub-shaped Parquet files (the
  hub's column names and splits, rows from the course grammar).

This proves code paths, not numbers: the models are random.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datasets.packaged_modules.parquet.parquet import Parquet
from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

from book.data import make_reviews
from book.data.loaders import HUB_DATASETS
from book.models import REGISTRY, ROLES

SNAPSHOT = "0123456789abcdef0123456789abcdef01234567"
"""The commit the fake snapshots claim (any 40 hex digits)."""

HUB_DATASET_ROWS = {"reviews": ("movie", {"train": 3000, "validation": 800, "test": 100}),
                    "reviews_restaurant": ("restaurant", {"train": 1500, "test": 1000})}
"""Per course dataset (``book.data.loaders.HUB_DATASETS``): the domain its rows are drawn
from and the hub's splits with their sizes. A split the course does not read (SST-2's
``test``) gets the hub's hidden label, -1."""


def role_hub_ids() -> list[str]:
    """The hub ids the course's roles load with ``FTCOURSE_SOURCE=hub``."""
    return sorted({REGISTRY[role.hub].hub_id for role in ROLES.values()})


def write_model(hf_home: Path, hub_id: str, tokenizer_dir: Path) -> Path:
    """A tiny random GPT-2 and the kit tokenizer (no pad token) saved under ``hub_id``."""
    repo = hf_home / "hub" / f"models--{hub_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / SNAPSHOT
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    tokenizer.pad_token = None  # GPT-2 ships none; the course's loader must add one
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=1024, n_embd=32, n_layer=2,
                        n_head=2, bos_token_id=tokenizer.eos_token_id,
                        eos_token_id=tokenizer.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(snapshot)
    tokenizer.save_pretrained(snapshot)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(SNAPSHOT)
    return snapshot


def write_dataset(hf_home: Path, name: str) -> Path:
    """The Arrow cache ``load_dataset`` reads offline for course dataset ``name``, made from
    Parquet files with the hub's columns and splits."""
    spec = HUB_DATASETS[name]
    domain, sizes = HUB_DATASET_ROWS[name]
    used = {"train", spec.test_split, spec.validation_split}
    owner, repo = spec.hub_id.split("/")
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for seed, (split, n) in enumerate(sizes.items()):
            rows = make_reviews(n, domain=domain, seed=100 + seed)
            labels = rows["label"] if split in used else [-1] * n
            path = Path(tmp) / f"{split}-00000-of-00001.parquet"
            pq.write_table(pa.table({spec.text_column: rows["text"], spec.label_column: labels}),
                           path)
            files[split] = [str(path)]
        builder = Parquet(cache_dir=str(Path(tmp) / "build"), dataset_name=repo,
                          config_name="default", data_files=files, hash=SNAPSHOT)
        builder.download_and_prepare()
        target = hf_home / "datasets" / f"{owner}___{repo}" / "default" / "0.0.0" / SNAPSHOT
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(builder.cache_dir, target, ignore=shutil.ignore_patterns("*.lock"))
    return target


def build_hub_cache(hf_home: Path, tokenizer_dir: Path) -> None:
    """Every model a role loads and every dataset ``load_classification`` reads, in hub mode."""
    for hub_id in role_hub_ids():
        write_model(hf_home, hub_id, tokenizer_dir)
    for name in HUB_DATASET_ROWS:
        write_dataset(hf_home, name)
