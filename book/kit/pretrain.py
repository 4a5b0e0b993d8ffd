"""Pre-train a small GPT-2-style causal LM with a plain, readable PyTorch loop.

Why a hand-written loop and not ``Trainer``: this is the one place the course shows what
pre-training *is* — next-token prediction on packed text, AdamW, warmup then cosine decay —
and every line of it is visible here. Chapters fine-tune the result with ``Trainer``.

Determinism: the model init, the batch order and the thread count are fixed, so the same
corpus and settings give bit-identical weights on the same machine and library versions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm
from transformers import (
    GPT2Config,
    GPT2LMHeadModel,
    PreTrainedTokenizerFast,
    get_cosine_schedule_with_warmup,
)

from book.kit.presets import ModelSize, TrainSettings


@dataclass
class PretrainStats:
    """What the manifest records about the run."""

    params: int
    train_tokens: int
    val_tokens: int
    tokens_seen: int
    initial_val_loss: float
    final_val_loss: float
    curve: list[dict[str, float]] = field(default_factory=list)
    """``{"step", "train_loss", "val_loss"}`` at each evaluation point; ``train_loss`` is an
    exponential moving average (0.95) of the batch losses, the figure the progress bar shows.
    The step-0 point has no ``train_loss``: nothing has been trained yet."""

    @property
    def initial_perplexity(self) -> float:
        return math.exp(self.initial_val_loss)

    @property
    def final_perplexity(self) -> float:
        return math.exp(self.final_val_loss)


def dropout(p: float) -> dict[str, float]:
    """The three GPT-2 dropout settings (embeddings, residual branches, attention) set to ``p``."""
    return {"embd_pdrop": p, "resid_pdrop": p, "attn_pdrop": p}


def gpt2_config(
    size: ModelSize, tokenizer: PreTrainedTokenizerFast, dropout_p: float
) -> GPT2Config:
    """A GPT-2 config whose special-token ids match ``tokenizer``.

    ``pad_token_id`` matters: ``GPT2ForSequenceClassification`` uses it to find the last real
    token of each padded row, and refuses batches larger than one without it.
    """
    return GPT2Config(
        **dropout(dropout_p),
        vocab_size=len(tokenizer),
        n_positions=size.n_positions,
        n_embd=size.n_embd,
        n_layer=size.n_layer,
        n_head=size.n_head,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )


def pack(tokenizer: PreTrainedTokenizerFast, texts: Sequence[str], seq_len: int) -> torch.Tensor:
    """Tokenize, join documents with ``<|endoftext|>`` and cut into ``seq_len`` blocks.

    Packing (as in GPT-2) wastes no compute on padding; the end-of-text token tells the model
    where one document stops. The last incomplete block is dropped.
    """
    ids: list[int] = []
    for row in tokenizer(list(texts), verbose=False)["input_ids"]:
        ids.extend(row)
        ids.append(tokenizer.eos_token_id)
    n = len(ids) // seq_len
    if n == 0:
        raise ValueError(f"corpus too small: {len(ids)} tokens, need at least {seq_len}")
    return torch.tensor(ids[: n * seq_len], dtype=torch.long).view(n, seq_len)


def next_token_loss(model: GPT2LMHeadModel, batch: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of predicting token ``t+1`` from tokens ``0..t``: the pre-training task.

    Written out instead of ``model(..., labels=batch).loss`` so the one-position shift
    between inputs and targets is visible.
    """
    logits = model(input_ids=batch).logits
    return torch.nn.functional.cross_entropy(
        logits[:, :-1].flatten(0, 1), batch[:, 1:].flatten()
    )


@torch.no_grad()
def evaluate(model: GPT2LMHeadModel, blocks: torch.Tensor, batch_size: int) -> float:
    """Mean next-token cross-entropy (nats per token) over all ``blocks``."""
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(blocks), batch_size):
        batch = blocks[start : start + batch_size]
        loss = next_token_loss(model, batch)
        n = batch.numel() - len(batch)  # each row predicts seq_len - 1 tokens
        total += loss.item() * n
        count += n
    model.train()
    return total / count


def _batches(n_blocks: int, batch_size: int, generator: torch.Generator):
    """Endless stream of block indices: a fresh seeded permutation per epoch."""
    while True:
        order = torch.randperm(n_blocks, generator=generator)
        for start in range(0, n_blocks - batch_size + 1, batch_size):
            yield order[start : start + batch_size]


def pretrain(
    config: GPT2Config,
    train_blocks: torch.Tensor,
    val_blocks: torch.Tensor,
    settings: TrainSettings,
    seed: int,
    progress: bool = True,
) -> tuple[GPT2LMHeadModel, PretrainStats]:
    """Train a fresh ``GPT2LMHeadModel`` from ``config`` for ``settings.steps`` steps."""
    if len(train_blocks) < settings.batch_size:
        raise ValueError(
            f"need at least batch_size={settings.batch_size} training blocks; "
            f"found {len(train_blocks)}"
        )
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config)
        model.train()
        # Weight decay on matrices only, not on biases and LayerNorm gains (common practice
        # since BERT; Loshchilov & Hutter 2019 for decoupled decay, https://arxiv.org/abs/1711.05101).
        decay = [p for p in model.parameters() if p.dim() >= 2]
        no_decay = [p for p in model.parameters() if p.dim() < 2]
        optimizer = torch.optim.AdamW(
            [
                {"params": decay, "weight_decay": settings.weight_decay},
                {"params": no_decay, "weight_decay": 0.0},
            ],
            lr=settings.lr,
            betas=(0.9, 0.95),  # GPT-3's (Brown et al. 2020, https://arxiv.org/abs/2005.14165)
        )
        schedule = get_cosine_schedule_with_warmup(
            optimizer, settings.warmup_steps, settings.steps
        )
        eval_batch = 4 * settings.batch_size
        initial = evaluate(model, val_blocks, eval_batch)
        stats = PretrainStats(
            params=model.num_parameters(),
            train_tokens=train_blocks.numel(),
            val_tokens=val_blocks.numel(),
            tokens_seen=0,
            initial_val_loss=initial,
            final_val_loss=initial,
            curve=[{"step": 0, "val_loss": initial}],
        )
        eval_at = {
            round(settings.steps * (i + 1) / settings.eval_points)
            for i in range(settings.eval_points)
        }
        generator = torch.Generator().manual_seed(seed)
        batches = _batches(len(train_blocks), settings.batch_size, generator)
        running = None
        bar = tqdm(range(1, settings.steps + 1), desc="pre-training", disable=not progress)
        for step in bar:
            batch = train_blocks[next(batches)]
            loss = next_token_loss(model, batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            stats.tokens_seen += batch.numel()
            value = loss.item()
            running = value if running is None else 0.95 * running + 0.05 * value
            bar.set_postfix(loss=f"{running:.3f}")
            if step in eval_at:
                val = evaluate(model, val_blocks, eval_batch)
                stats.curve.append({"step": step, "train_loss": running, "val_loss": val})
                stats.final_val_loss = val
        return model, stats
    finally:
        torch.set_num_threads(previous_threads)
