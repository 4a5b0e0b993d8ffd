"""Build one kit into an empty folder: corpus -> tokenizer -> pre-trained LM -> datasets.

This module does the work; ``book.kit.cache`` decides *when* to build and swaps the result
into place atomically.
"""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import datasets
import tokenizers
import torch
import transformers

from book.kit.corpus import build_corpus, optional_data_function
from book.kit.layout import KitPaths
from book.kit.manifest import write_manifest
from book.kit.presets import Preset
from book.kit.pretrain import dropout, gpt2_config, pack, pretrain
from book.kit.tokenizer import train_tokenizer

Log = Callable[[str], None]
FINETUNE_DROPOUT = 0.1
"""GPT-2's dropout, written into the saved config for fine-tuning."""


@contextmanager
def _stage(seconds: dict[str, float], name: str):
    start = time.perf_counter()
    yield
    seconds[name] = round(time.perf_counter() - start, 2)


def _datasets(target: Path, seed: int) -> tuple[dict[str, Any] | None, str]:
    build_kit_datasets, note = optional_data_function("build_kit_datasets")
    if build_kit_datasets is None:
        return None, f"{note}: the kit has no datasets"
    return build_kit_datasets(target, seed=seed), note


def build_into(root: Path, preset: Preset, log: Log, progress: bool = True) -> dict[str, Any]:
    """Build the kit for ``preset`` into the empty folder ``root``; return the manifest."""
    kit = KitPaths.at(root)
    recipe = preset.recipe()  # before any work: the code that runs is the code hashed
    root.mkdir()
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    with _stage(seconds, "corpus"):
        corpus = build_corpus(
            seed=preset.seed,
            max_doc_chars=preset.max_doc_chars,
            review_fraction=preset.review_fraction,
            val_fraction=preset.val_fraction,
        )
    log(f"corpus: {corpus.chars:,} characters ({corpus.review_chars:,} from reviews: "
        f"{corpus.reviews_note}) in {seconds['corpus']} s")

    with _stage(seconds, "tokenizer"):
        tokenizer = train_tokenizer(corpus.train, preset.vocab_size, preset.size.n_positions)
        val_chars = sum(map(len, corpus.validation))
        val_tokens = sum(map(len, tokenizer(corpus.validation, verbose=False)["input_ids"]))
        chars_per_token = val_chars / val_tokens
    log(f"tokenizer: {len(tokenizer)} tokens, {chars_per_token:.2f} characters per token "
        f"in {seconds['tokenizer']} s")

    with _stage(seconds, "pretraining"):
        seq_len = preset.size.n_positions
        # No dropout while pre-training: a few epochs of a model far too small to overfit,
        # where dropout only slows learning (measured: validation loss 4.18 without vs 4.33
        # with GPT-2's 0.1, same 750 steps). The saved config carries GPT-2's 0.1 so that
        # fine-tuning regularises like the hub model does.
        config = gpt2_config(preset.size, tokenizer, dropout_p=0.0)
        model, stats = pretrain(
            config,
            pack(tokenizer, corpus.train, seq_len),
            pack(tokenizer, corpus.validation, seq_len),
            preset.train,
            seed=preset.seed,
            progress=progress,
        )
        model.config.update(dropout(FINETUNE_DROPOUT))
        model.save_pretrained(kit.lm)
        tokenizer.save_pretrained(kit.lm)
    log(f"pre-training: validation loss {stats.initial_val_loss:.3f} -> "
        f"{stats.final_val_loss:.3f} in {seconds['pretraining']} s")

    with _stage(seconds, "datasets"):
        kit.datasets.mkdir()
        fragment, datasets_note = (
            _datasets(kit.datasets, preset.seed) if preset.datasets
            else (None, "not part of this preset")
        )
    log(f"datasets: {datasets_note} in {seconds['datasets']} s")

    def bits_per_char(loss: float) -> float:
        """Nats per token -> bits per character: comparable across tokenizers."""
        return loss / chars_per_token / math.log(2)

    seconds["total"] = round(time.perf_counter() - started, 2)
    manifest = {
        "preset": asdict(preset),
        "recipe": recipe,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "datasets": datasets.__version__,
        },
        "platform": f"{platform.system()} {platform.machine()}",
        "corpus": {
            "sha256": corpus.sha256(),
            "chars": corpus.chars,
            "doc_chars": corpus.doc_chars,
            "review_chars": corpus.review_chars,
            "reviews": corpus.reviews_note,
            "train_docs": len(corpus.train),
            "validation_docs": len(corpus.validation),
        },
        "tokenizer": {"vocab_size": len(tokenizer), "chars_per_token": round(chars_per_token, 4)},
        "model": {"params": stats.params, "config": asdict(preset.size)},
        "pretraining": {
            "train_tokens": stats.train_tokens,
            "val_tokens": stats.val_tokens,
            "tokens_seen": stats.tokens_seen,
            "epochs": round(stats.tokens_seen / stats.train_tokens, 3),
            "initial_val_loss": round(stats.initial_val_loss, 4),
            "final_val_loss": round(stats.final_val_loss, 4),
            "initial_perplexity": round(stats.initial_perplexity, 2),
            "final_perplexity": round(stats.final_perplexity, 2),
            "initial_bits_per_char": round(bits_per_char(stats.initial_val_loss), 4),
            "final_bits_per_char": round(bits_per_char(stats.final_val_loss), 4),
            "curve": [{k: round(v, 4) for k, v in point.items()} for point in stats.curve],
        },
        "datasets": {"note": datasets_note, "manifest": fragment},
        "seconds": seconds,
    }
    write_manifest(root, manifest)
    return manifest
