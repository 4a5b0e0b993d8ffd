"""``book.forgetting``: Fisher and EWC penalty against hand computations, replay mixing, the
loss probe inside a real ``Trainer``, and the rebuilt pre-training split against its manifest.

Models are tiny random GPT-2s and the tokenizer a word-level one built in memory, so the
tests need no kit and run in seconds.
"""

from __future__ import annotations

import copy

import pytest
import torch
from datasets import Dataset
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import (
    DataCollatorForLanguageModeling,
    GPT2Config,
    GPT2LMHeadModel,
    PreTrainedTokenizerFast,
    Trainer,
)

from book import kit
from book.forgetting import (
    LossProbe,
    block_dataset,
    diagonal_fisher,
    ewc_penalty,
    losses,
    mix_replay,
    pretraining_split,
)
from book.kit.corpus import build_corpus, stdlib_documents
from book.kit.pretrain import next_token_loss
from book.train import course_training_args

VOCAB, SEQ = 40, 8


def tiny_lm(seed: int = 0) -> GPT2LMHeadModel:
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=VOCAB, n_positions=SEQ, n_embd=16, n_layer=1, n_head=2,
                        bos_token_id=0, eos_token_id=0, pad_token_id=1)
    return GPT2LMHeadModel(config)


def blocks(n: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(2, VOCAB, (n, SEQ), generator=torch.Generator().manual_seed(seed))


def word_tokenizer() -> PreTrainedTokenizerFast:
    vocab = {"<|endoftext|>": 0, "<pad>": 1, **{f"w{i}": i + 2 for i in range(VOCAB - 2)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<pad>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>",
                                   pad_token="<pad>")


def ids_dataset(rows: list[list[int]]) -> Dataset:
    return Dataset.from_dict({"input_ids": rows})


# --- Fisher ---------------------------------------------------------------------------------


def _grads(model: GPT2LMHeadModel, batch: torch.Tensor) -> dict[str, torch.Tensor]:
    model.zero_grad()
    next_token_loss(model, batch).backward()
    return {n: p.grad.clone() for n, p in model.named_parameters()}


def test_fisher_is_mean_of_squared_per_sequence_gradients():
    model, data = tiny_lm(), blocks(3)
    model.eval()
    per_block = [_grads(model, data[i : i + 1]) for i in range(3)]
    fisher = diagonal_fisher(model, data)
    for name, value in fisher.items():
        expected = sum(g[name] ** 2 for g in per_block) / 3
        torch.testing.assert_close(value, expected)


def test_batched_fisher_squares_the_batch_mean_gradient_and_is_smaller():
    model, data = tiny_lm(), blocks(8)
    model.eval()
    mean_grad = _grads(model, data)
    batched = diagonal_fisher(model, data, batch_size=8)
    for name, value in batched.items():
        torch.testing.assert_close(value, mean_grad[name] ** 2)
    per_sequence = diagonal_fisher(model, data)
    total = sum(v.sum() for v in per_sequence.values())
    assert sum(v.sum() for v in batched.values()) < total / 2


def test_fisher_leaves_weights_mode_and_grads_alone():
    model = tiny_lm()
    model.train()
    before = copy.deepcopy(model.state_dict())
    diagonal_fisher(model, blocks(4), batch_size=2)
    assert model.training
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    assert all(p.grad is None for p in model.parameters())


def test_fisher_covers_only_trainable_weights():
    model = tiny_lm()
    model.transformer.h.requires_grad_(False)
    fisher = diagonal_fisher(model, blocks(2))
    assert fisher and not any(name.startswith("transformer.h.") for name in fisher)
    assert all((v >= 0).all() for v in fisher.values())


def test_fisher_needs_a_full_batch():
    with pytest.raises(ValueError, match="at least batch_size=4 blocks; found 3"):
        diagonal_fisher(tiny_lm(), blocks(3), batch_size=4)


# --- EWC penalty ----------------------------------------------------------------------------


def test_penalty_is_zero_at_the_anchor_and_matches_the_formula():
    model = tiny_lm()
    anchor = {n: p.detach().clone() for n, p in model.named_parameters()}
    fisher = {n: torch.rand_like(p) for n, p in model.named_parameters()}
    assert ewc_penalty(model, fisher, anchor, strength=10.0).item() == 0.0
    name = "lm_head.weight" if "lm_head.weight" in fisher else next(iter(fisher))
    with torch.no_grad():
        dict(model.named_parameters())[name].add_(0.5)
    expected = 10.0 / 2 * (fisher[name] * 0.25).sum()
    torch.testing.assert_close(ewc_penalty(model, fisher, anchor, 10.0), expected)


def test_penalty_gradient_pulls_towards_the_anchor_in_proportion_to_fisher():
    model = tiny_lm()
    anchor = {n: p.detach().clone() for n, p in model.named_parameters()}
    fisher = {n: torch.rand_like(p) for n, p in model.named_parameters()}
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.1)
    ewc_penalty(model, fisher, anchor, strength=3.0).backward()
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.grad, 3.0 * fisher[name] * 0.1)


def test_penalty_rejects_a_fisher_from_another_model():
    model = tiny_lm()
    anchor = {n: p.detach().clone() for n, p in model.named_parameters()}
    with pytest.raises(KeyError, match="fisher has weights the model lacks"):
        ewc_penalty(model, {"base_model.model.x": torch.zeros(1)}, anchor, 1.0)


# --- replay ---------------------------------------------------------------------------------


def test_replay_keeps_all_new_rows_and_adds_the_asked_share_of_old_rows():
    new = ids_dataset([[1, i] for i in range(30)])
    old = ids_dataset([[2, i] for i in range(100)])
    mixed = mix_replay(new, old, fraction=0.25, seed=0)
    rows = mixed["input_ids"]
    assert len(rows) == 40
    assert sorted(r for r in rows if r[0] == 1) == new["input_ids"]
    old_rows = [r for r in rows if r[0] == 2]
    assert len(old_rows) == 10 and len({tuple(r) for r in old_rows}) == 10  # no repeats
    assert rows != sorted(rows)  # shuffled, not new-then-old
    assert mix_replay(new, old, 0.25, seed=0)["input_ids"] == rows
    assert mix_replay(new, old, 0.25, seed=1)["input_ids"] != rows
    assert mix_replay(new, old, 0.0, seed=0).num_rows == 30


@pytest.mark.parametrize("fraction", [1.0, -0.1])
def test_replay_fraction_must_be_below_one(fraction):
    with pytest.raises(ValueError, match=r"replay fraction must be in \[0, 1\)"):
        mix_replay(ids_dataset([[1]]), ids_dataset([[2]]), fraction, seed=0)


def test_replay_says_when_old_data_runs_out():
    with pytest.raises(ValueError, match="needs 10 old rows for 10 new ones; found only 3"):
        mix_replay(ids_dataset([[1]] * 10), ids_dataset([[2]] * 3), 0.5, seed=0)


# --- blocks, losses, probe -------------------------------------------------------------------


def test_block_dataset_packs_texts_with_end_of_text_between_them():
    tok = word_tokenizer()
    data = block_dataset(tok, ["w1 w2 w3", "w4 w5", "w6 w7 w8 w9 w10"], seq_len=4)
    assert data["input_ids"] == [[3, 4, 5, 0], [6, 7, 0, 8], [9, 10, 11, 12]]
    assert block_dataset(tok, ["w1 w2 w3", "w4 w5"], 2, max_blocks=2).num_rows == 2


def test_losses_are_mean_next_token_cross_entropy():
    model, data = tiny_lm(), blocks(5)
    got = losses(model, {"a": data}, batch_size=2)["a"]
    model.eval()
    with torch.no_grad():
        expected = model(input_ids=data, labels=data).loss.item()
    assert got == pytest.approx(expected, rel=1e-5)


def _train(model, steps: int, probe: LossProbe | None, tmp_path) -> None:
    args = course_training_args(
        tmp_path, max_steps=steps, learning_rate=1e-2, per_device_train_batch_size=4,
        lr_scheduler_type="constant_with_warmup", warmup_steps=1, eval_strategy="no",
        logging_strategy="no",
    )
    train = ids_dataset(blocks(64, seed=1).tolist())
    trainer = Trainer(model=model, args=args, train_dataset=train,
                      data_collator=DataCollatorForLanguageModeling(word_tokenizer(), mlm=False),
                      callbacks=[probe] if probe else [])
    trainer.train()


def test_probe_records_before_training_and_every_k_steps(tmp_path):
    model, held_out = tiny_lm(), {"old": blocks(4, seed=2), "new": blocks(4, seed=3)}
    before = losses(model, held_out)
    probe = LossProbe(held_out, every=2)
    _train(model, 6, probe, tmp_path)
    assert [row["step"] for row in probe.history] == [0, 2, 4, 6]
    assert {k: probe.history[0][k] for k in held_out} == pytest.approx(before)
    assert {k: probe.history[-1][k] for k in held_out} == pytest.approx(losses(model, held_out))
    assert probe.history[-1]["new"] != pytest.approx(before["new"])  # training changed it


def test_a_prefix_of_a_constant_lr_run_is_the_shorter_run(tmp_path):
    """The chapter reads 'fewer steps' off a longer run: valid with a constant schedule."""
    held_out = {"x": blocks(4, seed=2)}
    probe = LossProbe(held_out, every=2)
    _train(tiny_lm(), 6, probe, tmp_path / "long")
    short = tiny_lm()
    _train(short, 2, None, tmp_path / "short")
    assert probe.history[1]["x"] == pytest.approx(losses(short, held_out)["x"], rel=1e-6)


def test_probe_needs_a_positive_interval():
    with pytest.raises(ValueError, match="positive number of steps; found 0"):
        LossProbe({}, every=0)


# --- the pre-training split -----------------------------------------------------------------

SETTINGS = {"seed": 3, "max_doc_chars": 60_000, "review_fraction": 1 / 3, "val_fraction": 0.1}


def _fake_manifest(monkeypatch, sha256: str | None = None) -> None:
    corpus = build_corpus(**SETTINGS)
    manifest = {"preset": SETTINGS, "corpus": {"sha256": sha256 or corpus.sha256()}}
    monkeypatch.setattr(kit, "read_manifest", lambda preset=None: manifest)


@pytest.mark.slow  # parses the standard library's documentation (seconds)
def test_split_separates_trained_from_held_out_text(monkeypatch):
    _fake_manifest(monkeypatch)
    split = pretraining_split()
    corpus = build_corpus(**SETTINGS)
    docs, train = set(stdlib_documents()), set(split.train)
    assert split.train == corpus.train
    assert split.train_docs and set(split.train_docs) <= docs & train
    assert split.validation_docs and set(split.validation_docs) <= docs
    assert split.validation_reviews and not set(split.validation_reviews) & docs
    assert not (set(split.validation_docs) | set(split.validation_reviews)) & train
    held_out = len(split.validation_docs) + len(split.validation_reviews)
    assert held_out <= len(corpus.validation)


@pytest.mark.slow
def test_split_refuses_a_corpus_that_differs_from_the_manifest(monkeypatch):
    _fake_manifest(monkeypatch, sha256="0" * 64)
    with pytest.raises(kit.KitError, match="expected 0000000000000000… from the kit manifest"):
        pretraining_split()
