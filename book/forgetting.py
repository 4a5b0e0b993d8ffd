"""Catastrophic forgetting, measured: old- and new-domain losses, replay mixing and EWC.

Chapter 3 fine-tunes the kit LM on a new domain and asks what it forgot. The plumbing lives
here so the chapter's cells stay about the idea:

- ``pretraining_split``: the kit's pre-training corpus, split into what the model trained on
  and held-out documentation and reviews. Forgetting must be measured on text the model never
  trained on (the chapter shows what training text would say instead).
- ``block_dataset`` / ``mix_replay``: packed fixed-length blocks for ``Trainer``, and a
  training set with a given share of old-domain blocks mixed in (experience replay).
- ``losses`` / ``LossProbe``: next-token loss on named held-out sets, once or every few
  optimizer steps during ``Trainer.train``.
- ``diagonal_fisher`` / ``ewc_penalty``: elastic weight consolidation (Kirkpatrick et al.
  2017, https://arxiv.org/abs/1612.00796): a quadratic pull towards the old weights, stronger
  for the weights the old-domain loss is most sensitive to.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from datasets import Dataset, concatenate_datasets
from transformers import PreTrainedTokenizerBase, TrainerCallback

from book import kit
from book.kit.corpus import build_corpus, stdlib_documents
from book.kit.pretrain import evaluate, next_token_loss, pack


@dataclass(frozen=True)
class PretrainingSplit:
    """The kit's pre-training corpus, split exactly as the kit split it."""

    train: list[str]
    """Every text the kit LM was pre-trained on (documentation and reviews, in the kit's order)."""
    train_docs: list[str]
    """The documentation part of ``train``."""
    validation_docs: list[str]
    """Held-out documentation: the model never trained on these."""
    validation_reviews: list[str]
    """Held-out software and movie reviews, minus any text that also occurs in ``train``."""


def pretraining_split(preset: str | None = None) -> PretrainingSplit:
    """The kit's pre-training texts: what the model trained on and what it never saw.

    The kit does not store its corpus, but ``build_corpus`` is deterministic: rebuilding it with
    the settings recorded in the kit's manifest gives the same texts in the same split. The
    SHA-256 of the rebuilt corpus is compared with the manifest's, so a different Python (a
    different standard library) or changed corpus code raises instead of silently measuring on
    text the model may have trained on. Generated reviews can repeat verbatim, so validation
    reviews that also occur in the training split are dropped.
    """
    manifest = kit.read_manifest(preset)
    settings = manifest["preset"]
    corpus = build_corpus(
        seed=settings["seed"],
        max_doc_chars=settings["max_doc_chars"],
        review_fraction=settings["review_fraction"],
        val_fraction=settings["val_fraction"],
    )
    expected = manifest["corpus"]["sha256"]
    if corpus.sha256() != expected:
        raise kit.KitError(
            f"the rebuilt pre-training corpus has SHA-256 {corpus.sha256()[:16]}…, expected "
            f"{expected[:16]}… from the kit manifest: this Python or the corpus code differs "
            "from the kit's build. Rebuild the kit: `python -m book.kit build --force`."
        )
    docs, seen = set(stdlib_documents()), set(corpus.train)
    return PretrainingSplit(
        train=list(corpus.train),
        train_docs=[text for text in corpus.train if text in docs],
        validation_docs=[text for text in corpus.validation if text in docs],
        validation_reviews=[
            text for text in corpus.validation if text not in docs and text not in seen
        ],
    )


def block_dataset(
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    seq_len: int,
    max_blocks: int | None = None,
) -> Dataset:
    """Texts packed into ``seq_len``-token blocks (column ``input_ids``) for a causal-LM Trainer.

    Packing, as in pre-training, wastes no compute on padding, so every block costs the same and
    runs of equal steps see equal numbers of tokens. ``max_blocks`` keeps the first blocks only.
    """
    blocks = pack(tokenizer, texts, seq_len)
    if max_blocks is not None:
        blocks = blocks[:max_blocks]
    return Dataset.from_dict({"input_ids": blocks.tolist()})


def mix_replay(new: Dataset, old: Dataset, fraction: float, seed: int) -> Dataset:
    """``new`` plus enough randomly drawn ``old`` rows that they make up ``fraction`` of the mix.

    Every new-domain row is kept; old rows are added, sampled without replacement, and the
    result is shuffled, so any stretch of training batches holds about ``fraction`` old data.
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"replay fraction must be in [0, 1); found {fraction!r}")
    n_old = round(len(new) * fraction / (1 - fraction))
    if n_old > len(old):
        raise ValueError(
            f"replay fraction {fraction} needs {n_old} old rows for {len(new)} new ones; "
            f"found only {len(old)} old rows"
        )
    picked = sorted(random.Random(seed).sample(range(len(old)), n_old))
    return concatenate_datasets([new, old.select(picked)]).shuffle(seed=seed)


def losses(model: torch.nn.Module, eval_sets: Mapping[str, torch.Tensor],
           batch_size: int = 16) -> dict[str, float]:
    """Mean next-token loss (nats/token) of ``model`` on each named set of token blocks."""
    return {name: evaluate(model, blocks, batch_size) for name, blocks in eval_sets.items()}


class LossProbe(TrainerCallback):
    """Records ``losses`` on held-out sets before training and every ``every`` optimizer steps.

    Why a callback: forgetting is a trajectory, not one number. Seeing old- and new-domain loss
    along the run shows that remedies compared at different step counts sit at different
    points of their own trajectories.
    """

    def __init__(self, eval_sets: Mapping[str, torch.Tensor], every: int, batch_size: int = 16):
        if every < 1:
            raise ValueError(f"every must be a positive number of steps; found {every!r}")
        self.eval_sets, self.every, self.batch_size = dict(eval_sets), every, batch_size
        self.history: list[dict[str, float]] = []

    def _record(self, model: torch.nn.Module, step: int) -> None:
        self.history.append({"step": step, **losses(model, self.eval_sets, self.batch_size)})

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        self._record(model, 0)

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if state.global_step % self.every == 0:
            self._record(model, state.global_step)


def diagonal_fisher(model: torch.nn.Module, blocks: torch.Tensor,
                    batch_size: int = 1) -> dict[str, torch.Tensor]:
    """Diagonal empirical Fisher: the mean squared gradient of the old-domain loss, per weight.

    A large ``F_i`` means the old-domain loss is sensitive to weight ``i``, so EWC holds that
    weight close to its old value. ``batch_size=1`` squares one gradient per block (per
    sequence), which estimates the Fisher. A larger batch averages gradients *before* squaring:
    for per-sequence gradients of mean mu and variance sigma^2 that gives mu^2 + sigma^2 / B
    instead of mu^2 + sigma^2: towards 1/B of the Fisher near a minimum of the old loss (small mu).
    Only trainable parameters get an entry; the model's weights are not changed.
    """
    if len(blocks) < batch_size:
        raise ValueError(f"need at least batch_size={batch_size} blocks; found {len(blocks)}")
    params = {name: p for name, p in model.named_parameters() if p.requires_grad}
    fisher = {name: torch.zeros_like(p) for name, p in params.items()}
    was_training = model.training
    model.eval()  # no dropout: the Fisher of the deterministic model
    n_batches = len(blocks) // batch_size
    for start in range(0, n_batches * batch_size, batch_size):
        model.zero_grad(set_to_none=True)
        next_token_loss(model, blocks[start : start + batch_size]).backward()
        for name, p in params.items():
            if p.grad is not None:
                fisher[name] += p.grad.detach() ** 2 / n_batches
    model.zero_grad(set_to_none=True)
    model.train(was_training)
    return fisher


def ewc_penalty(model: torch.nn.Module, fisher: Mapping[str, torch.Tensor],
                anchor: Mapping[str, torch.Tensor], strength: float) -> torch.Tensor:
    """``strength / 2 * sum_i F_i (theta_i - theta*_i)^2`` over the weights in ``fisher``.

    ``anchor`` holds the old weights ``theta*`` (cloned before fine-tuning). ``strength`` is
    EWC's lambda; its useful scale depends on the size of ``F``, so it must be swept.
    """
    params = dict(model.named_parameters())
    missing = sorted(set(fisher) - set(params))
    if missing:
        raise KeyError(f"fisher has weights the model lacks: {missing[:3]}")
    total = torch.zeros(())
    for name, f in fisher.items():
        total = total + (f * (params[name] - anchor[name]) ** 2).sum()
    return strength / 2 * total
