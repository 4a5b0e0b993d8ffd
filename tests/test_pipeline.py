"""``book.pipeline``'s pieces on small inputs: what Chapter 6 and ``ftcourse`` rely on.

Each test states a property a learner's result depends on: no text in two splits, AUC that
ranks, a winner only outside the noise, int8 that really quantizes GPT-2's blocks, an ONNX
file that computes what PyTorch computes.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from transformers import GPT2Config, GPT2ForSequenceClassification, PreTrainedTokenizerFast

from book.kit.tokenizer import EOS, train_tokenizer
from book.pipeline import compare, deploy, jsonl, metrics, splits

# ---- jsonl -----------------------------------------------------------------------------------

FIELDS = {"text": (str,), "label": (str, int)}


def test_read_jsonl_keeps_extra_fields_and_skips_blank_lines(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "a", "label": 1, "id": 7}\n\n{"text": "b", "label": "x"}\n')
    assert jsonl.read_jsonl(path, FIELDS) == [{"text": "a", "label": 1, "id": 7},
                                              {"text": "b", "label": "x"}]


def test_read_jsonl_lists_every_bad_line_up_to_a_limit(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(['{"text": "a", "label": true}'] * 8) + "\n")
    with pytest.raises(jsonl.InputError) as error:
        jsonl.read_jsonl(path, FIELDS)
    message = str(error.value)
    assert f"{path}:1: field 'label' must be" in message and f"{path}:5:" in message
    assert f"{path}:6:" not in message and "and 3 more bad lines" in message


def test_read_jsonl_rejects_an_empty_file(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n")
    with pytest.raises(jsonl.InputError, match="no rows"):
        jsonl.read_jsonl(path, FIELDS)


def test_write_then_read_round_trips_unicode(tmp_path):
    rows = [{"text": "crème brûlée — sublime", "label": "positive"}]
    assert jsonl.read_jsonl(jsonl.write_jsonl(tmp_path / "r.jsonl", rows), FIELDS) == rows


# ---- splits ----------------------------------------------------------------------------------


def duplicated_rows(n: int = 300) -> list[dict]:
    rows = [{"text": f"review number {i % 120}", "label": i % 2} for i in range(n)]
    for i, row in enumerate(rows):  # the same review, other case and spacing
        if i % 3 == 0:
            row["text"] = "  " + row["text"].upper().replace(" ", "   ")
    return rows


def test_group_split_never_puts_one_text_in_two_parts():
    rows = duplicated_rows()
    parts = splits.group_split(rows, [0.8, 0.1, 0.1], seed=3)
    assert sum(map(len, parts)) == len(rows)
    for i, a in enumerate(parts):
        for b in parts[i + 1:]:
            assert splits.overlap(a, b) == 0
    assert abs(len(parts[0]) - 240) <= 6  # about its share (whole groups of 2-3 rows)


def test_a_random_row_split_leaks_and_the_overlap_counts_it():
    rows = duplicated_rows()
    order = np.random.default_rng(0).permutation(len(rows))
    train, test = [rows[i] for i in order[:240]], [rows[i] for i in order[240:]]
    assert splits.overlap(train, test) > len(test) // 2


def test_deduplicate_keeps_first_rows_and_counts_conflicts():
    rows = [{"text": "Good.", "label": 1}, {"text": " good. ", "label": 1},
            {"text": "GOOD.", "label": 0}, {"text": "Bad.", "label": 0}]
    dedup = splits.deduplicate(rows)
    assert dedup.rows == [rows[0], rows[3]] and dedup.dropped == 2 and dedup.conflicting == 1


def test_deduplicate_keeps_the_most_common_spelling():
    rows = [{"text": "GREAT SOUP.", "label": 1}, {"text": "Great soup.", "label": 1},
            {"text": "Great soup.", "label": 1}]
    assert splits.deduplicate(rows).rows == [rows[1]]


@pytest.mark.parametrize("fractions", [[0.5, 0.6], [1.2, -0.2], []])
def test_group_split_rejects_bad_fractions(fractions):
    with pytest.raises(ValueError, match="fractions"):
        splits.group_split(duplicated_rows(10), fractions)


# ---- metrics ---------------------------------------------------------------------------------


def test_auc_from_scores_ranks_while_auc_from_labels_is_balanced_accuracy():
    labels = np.array([0, 0, 0, 1, 1, 1])
    p_pos = np.array([0.1, 0.4, 0.6, 0.55, 0.7, 0.9])  # one negative outranks one positive
    probs = np.stack([1 - p_pos, p_pos], axis=1)
    report = metrics.classification_report(labels, probs, ["neg", "pos"])
    assert report["roc_auc"] == pytest.approx(8 / 9)
    hard = np.eye(2)[probs.argmax(1)]
    assert metrics.roc_auc(labels, hard) == pytest.approx((2 / 3 + 1) / 2)  # balanced accuracy
    assert report["confusion"] == [[2, 1], [0, 3]] and report["per_class"]["pos"]["recall"] == 1


def test_multiclass_auc_is_one_vs_rest_macro():
    labels = np.array([0, 1, 2, 0, 1, 2])
    probs = np.eye(3)[labels] * 0.7 + 0.1
    assert metrics.classification_report(labels, probs, list("abc"))["roc_auc"] == 1.0
    assert np.isnan(metrics.roc_auc(np.zeros(4, int), np.full((4, 2), 0.5)))


# ---- compare ---------------------------------------------------------------------------------


def report(correct: np.ndarray, sha: str = "same") -> dict:
    labels = np.arange(len(correct)) % 2
    predicted = np.where(correct, labels, 1 - labels)
    return {"task": "classify", "model": "m", "data": {"sha256": sha, "path": "d", "rows": 1},
            "examples": [{"label": int(y), "probs": [1.0 - p, float(p)]}
                         for y, p in zip(labels, predicted, strict=True)]}


def test_no_winner_inside_the_noise_and_a_winner_outside_it():
    rng = np.random.default_rng(0)
    base = rng.random(400) < 0.8
    close = base.copy()
    close[:6] = ~close[:6]  # 6 of 400 rows flipped: within the noise
    rows = {r["metric"]: r for r in compare.compare(report(base), report(close))}
    assert rows["accuracy"]["winner"] == "no clear winner"
    assert rows["accuracy"]["ci_low"] < 0 < rows["accuracy"]["ci_high"]
    better = base | (rng.random(400) < 0.5)
    rows = {r["metric"]: r for r in compare.compare(report(base), report(better))}
    assert rows["accuracy"]["winner"] == "B" and rows["accuracy"]["difference"] > 0


def test_paired_intervals_are_narrower_than_unpaired_ones():
    rng = np.random.default_rng(1)
    a = rng.random(300) < 0.7
    b = a | (rng.random(300) < 0.1)
    paired = compare.compare(report(a), report(b))[0]
    unpaired = compare.compare(report(a), report(b, sha="other"))[0]
    assert paired["ci_high"] - paired["ci_low"] < unpaired["ci_high"] - unpaired["ci_low"]
    assert "unpaired" in compare.markdown(report(a), report(b, sha="other"), [unpaired])


def test_reports_of_different_tasks_are_refused():
    other = {**report(np.ones(4, bool)), "task": "instruct"}
    with pytest.raises(compare.CompareError, match="different tasks"):
        compare.compare(report(np.ones(4, bool)), other)


# ---- deploy ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def classifier():
    trained = train_tokenizer(["the soup was great, but the service was slow. " * 30], 300, 64)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=trained.backend_tokenizer,
                                        eos_token=EOS, pad_token=EOS)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=64, n_embd=32, n_layer=2,
                        n_head=2, num_labels=2, pad_token_id=tokenizer.pad_token_id,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    return GPT2ForSequenceClassification(config).eval(), tokenizer


TEXTS = ["the soup was great", "the service was slow, but the soup was great", "slow"]


@pytest.mark.slow
def test_conv1d_to_linear_computes_the_same_logits(classifier):
    model, tokenizer = classifier
    before = deploy.torch_scorer(model, tokenizer, 64)(TEXTS)
    after = deploy.torch_scorer(deploy.conv1d_to_linear(model), tokenizer, 64)(TEXTS)
    np.testing.assert_allclose(after, before, atol=1e-5)


@pytest.mark.slow
def test_int8_quantizes_every_block_not_only_the_head(classifier, tmp_path):
    model, tokenizer = classifier
    naive = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    quantized = deploy.quantize_int8(model)

    def count(m):
        return sum(isinstance(x, torch.ao.nn.quantized.dynamic.Linear) for x in m.modules())

    assert count(naive) == 1  # GPT-2's blocks are Conv1D: only the `score` head
    assert count(quantized) == 1 + 4 * 2  # c_attn, c_proj, c_fc, mlp.c_proj per block + head
    logits = deploy.torch_scorer(quantized, tokenizer, 64)(TEXTS)
    reference = deploy.torch_scorer(model, tokenizer, 64)(TEXTS)
    assert np.abs(logits - reference).max() < 0.1


@pytest.mark.slow
def test_onnx_export_matches_pytorch_on_other_batch_shapes(classifier, tmp_path):
    model, tokenizer = classifier
    path = deploy.export_onnx(model, tokenizer, tmp_path / "model.onnx")
    assert not model.training  # export leaves the model in eval mode
    expected = deploy.torch_scorer(model, tokenizer, 64)(TEXTS)
    got = deploy.onnx_scorer(path, tokenizer, 64)(TEXTS)
    np.testing.assert_allclose(got, expected, atol=1e-4)
    rows = deploy.compare_variants(
        {"fp32": (deploy.torch_scorer(model, tokenizer, 64), 1.0),
         "onnx": (deploy.onnx_scorer(path, tokenizer, 64), deploy.size_mb(path))},
        TEXTS, [1, 0, 0], TEXTS[:2])
    assert rows[0]["max |Δ logit| vs fp32"] == 0 and rows[1]["max |Δ logit| vs fp32"] < 1e-4
    assert rows[1]["size (MB)"] > 0 and rows[1]["latency (ms/example)"] > 0
    json.dumps(rows)  # plain data, ready for a report


# ---- zero-shot ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_zero_shot_batches_give_the_per_text_scores(classifier):
    from transformers import GPT2LMHeadModel

    from book.pipeline.classify import zero_shot_proba

    _, tokenizer = classifier
    torch.manual_seed(0)
    lm = GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_positions=64, n_embd=32,
                                    n_layer=1, n_head=2, pad_token_id=tokenizer.pad_token_id))
    verbalizers = {"neg": ["slow.", "the service was slow."], "pos": ["great."]}
    together = zero_shot_proba(lm, tokenizer, TEXTS, verbalizers, batch_size=16)
    one_by_one = zero_shot_proba(lm, tokenizer, TEXTS, verbalizers, batch_size=1)
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)
    assert together.shape == (3, 2) and np.allclose(together.sum(1), 1)

    def logp(text: str, verdict: str) -> float:  # log P(verdict | text), one unpadded pass
        prefix = tokenizer(text)["input_ids"]
        ids = prefix + tokenizer(" " + verdict)["input_ids"]
        out = torch.log_softmax(lm(input_ids=torch.tensor([ids])).logits[0], -1)
        return sum(out[k - 1, ids[k]].item() for k in range(len(prefix), len(ids)))

    one_each = zero_shot_proba(lm, tokenizer, TEXTS[:1], {"pos": ["great."], "neg": ["slow."]})
    odds = logp(TEXTS[0], "great.") - logp(TEXTS[0], "slow.")
    assert one_each[0, 0] == pytest.approx(1 / (1 + np.exp(-odds)), abs=1e-5)
