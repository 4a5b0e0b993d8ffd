"""Kit presets: the full kit the course uses, and a tiny one tests build in seconds.

The ``full`` numbers were chosen by measurement on a shared 2-core machine, comparing
validation bits per character at equal CPU time (about 90 CPU-seconds per run):

- vocabulary 4096 (1.59 bits/char) beat 2048 (1.68); 8192 costs 3x more per step because the
  output layer dominates a model this small;
- 2 layers x 64 wide beat 4 x 64 (1.73): at a fixed budget, more steps beat more depth;
- learning rate 3e-3 beat 1e-2 (1.59 vs 1.70); no dropout beat GPT-2's 0.1 (1.53 vs 1.59);
- batch 16 x 128 tokens costs less per token than 32 x 128 (the 4096-wide logits of the
  larger batch no longer fit in cache);
- one thread: with other processes on the cores, two threads ran 4x *slower* per step.

Chapters fine-tune this model many times, so the smallest model that clearly learns wins.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModelSize:
    """The GPT-2 shape knobs (everything else keeps GPT-2's defaults)."""

    n_layer: int
    n_embd: int
    n_head: int
    n_positions: int


@dataclass(frozen=True)
class TrainSettings:
    """Optimisation knobs of the pre-training run."""

    steps: int
    batch_size: int
    lr: float
    warmup_steps: int
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    eval_points: int = 4
    """How many times validation loss is measured during training (plus once before)."""
    threads: int = 2
    """``torch.set_num_threads`` during the run: results depend on it, so it is fixed."""


@dataclass(frozen=True)
class Preset:
    """Everything that decides what a kit build produces."""

    name: str
    max_doc_chars: int | None
    """Cap on documentation characters; ``None`` takes the whole standard library."""
    review_fraction: float
    """Share of the corpus characters that are unlabeled reviews.

    Two thirds for the real kit: measured on Chapter 1's learning curve (100 labels, three
    seeds), the pre-trained start beat random weights by 6 points with one half of reviews and
    by 10 with two thirds; the documentation keeps enough weight for the chapters that measure
    what the model knows about Python (samples, forgetting)."""
    val_fraction: float
    vocab_size: int
    size: ModelSize
    train: TrainSettings
    datasets: bool
    """Also build ``book.data``'s kit datasets (when that module provides them)."""
    seed: int = 0

    def params(self) -> int:
        """Parameter count of the GPT-2 this preset trains (tied input/output embeddings).

        Per block: two LayerNorms (4d), attention (4d^2 + 4d) and a 4x-wide MLP (8d^2 + 5d).
        Known before building, so the model registry can list it.
        """
        d, s = self.size.n_embd, self.size
        embeddings = (self.vocab_size + s.n_positions) * d
        return embeddings + s.n_layer * (12 * d * d + 13 * d) + 2 * d

    def recipe(self) -> str:
        """Hash of these settings *and* of the code that turns them into a kit.

        A kit whose recipe differs was built by other code or settings and is rebuilt, so an
        edit to the corpus, tokenizer or training code can never leave a stale kit in use.
        ``book.data`` counts too, but only the modules the build runs (:func:`kit_data_sources`):
        a new data helper for a chapter must not force every machine to rebuild the kit.
        """
        h = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode())
        here = Path(__file__).parent
        for name in ("presets.py", "corpus.py", "tokenizer.py", "pretrain.py", "build.py"):
            h.update((here / name).read_bytes())
        for source in kit_data_sources():
            h.update(source.name.encode() + source.read_bytes())
        return h.hexdigest()


KIT_DATA_ROOTS = ("kit_datasets", "corpus")
"""The ``book.data`` modules the kit build calls: the kit's datasets and the unlabeled reviews."""


def kit_data_sources() -> list[Path]:
    """``book.data`` modules the kit build runs: :data:`KIT_DATA_ROOTS` and, transitively,
    every ``book.data.<module>`` they import (read from their source, nothing is imported)."""
    folder = Path(__file__).parent.parent / "data"
    todo, seen = list(KIT_DATA_ROOTS), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(ast.parse((folder / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("book.data."):
                todo.append(node.module.split(".")[2])
    return sorted(folder / f"{name}.py" for name in seen)


PRESETS: dict[str, Preset] = {
    "full": Preset(
        name="full",
        max_doc_chars=None,
        review_fraction=2 / 3,
        val_fraction=0.05,
        vocab_size=4096,
        size=ModelSize(n_layer=2, n_embd=64, n_head=2, n_positions=128),
        train=TrainSettings(steps=1500, batch_size=16, lr=3e-3, warmup_steps=75, threads=1),
        datasets=True,
    ),
    "tiny": Preset(
        name="tiny",
        max_doc_chars=30_000,
        review_fraction=1 / 3,
        val_fraction=0.05,
        vocab_size=400,
        size=ModelSize(n_layer=1, n_embd=32, n_head=2, n_positions=64),
        train=TrainSettings(
            steps=30, batch_size=8, lr=3e-3, warmup_steps=3, eval_points=2, threads=1
        ),
        datasets=True,
    ),
}
DEFAULT_PRESET = "full"
PRESET_ENV = "FTCOURSE_KIT_PRESET"


def get_preset(name: str | None = None) -> Preset:
    """The preset called ``name``; ``None`` means ``$FTCOURSE_KIT_PRESET`` or ``full``.

    The environment variable lets a test suite point everything that loads the kit
    (``book.models`` included) at the tiny kit, which builds in seconds.
    """
    if name is None:
        name = os.environ.get(PRESET_ENV, "").strip() or DEFAULT_PRESET
    try:
        return PRESETS[name]
    except KeyError:
        known = sorted(PRESETS)
        raise ValueError(f"unknown kit preset {name!r}; expected one of {known}") from None
