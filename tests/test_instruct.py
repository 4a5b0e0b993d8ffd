"""``book.pipeline.instruct``: masking, padding, scores and batched generation.

The properties the instruction-tuning chapter and ``ftcourse --task instruct`` rely on: the
loss sees only the response and its EOS, pads are invisible whichever side they are on, the
scores mean what the page says, and a prompt gets the same greedy answer alone or in a batch.
"""

from __future__ import annotations

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

from book.kit.tokenizer import EOS, train_tokenizer
from book.pipeline import instruct


@pytest.fixture(scope="module")
def tokenizer():
    text = "### Instruction:\nIs this review positive or negative?\n\n### Input:\nThe soup " \
           "is not cold.\n\n### Response:\npositive negative the docs: slow " * 20
    trained = train_tokenizer([text], 300, 64)
    tok = PreTrainedTokenizerFast(tokenizer_object=trained.backend_tokenizer, eos_token=EOS,
                                  pad_token="<pad>")
    tok.add_special_tokens({"pad_token": "<pad>"})
    return tok


def test_prompt_is_masked_and_the_response_ends_with_eos(tokenizer):
    prompt = instruct.format_prompt("Is this review positive or negative?", "The soup is good.")
    example = instruct.build_example(tokenizer, prompt, "positive", max_length=128)
    n_prompt = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    response = tokenizer("positive", add_special_tokens=False)["input_ids"]
    assert example["labels"][:n_prompt] == [instruct.IGNORE_INDEX] * n_prompt
    assert example["labels"][n_prompt:] == [*response, tokenizer.eos_token_id]
    assert example["input_ids"][n_prompt:] == example["labels"][n_prompt:]


def test_a_long_example_loses_prompt_tokens_never_the_response(tokenizer):
    prompt = instruct.format_prompt("Say it.", "word " * 200)
    example = instruct.build_example(tokenizer, prompt, "the docs: slow", max_length=32)
    response = [*tokenizer("the docs: slow", add_special_tokens=False)["input_ids"],
                tokenizer.eos_token_id]
    assert len(example["input_ids"]) == 32 and example["labels"][-len(response):] == response


def test_no_input_leaves_the_input_section_out():
    assert "### Input" not in instruct.format_prompt("Name a module.", "  ")
    assert instruct.format_prompt("Name a module.").endswith("### Response:\n")


@pytest.mark.parametrize("side", ["right", "left"])
def test_collator_pads_with_minus_100_labels_and_zero_attention(tokenizer, side):
    tokenizer.padding_side = side
    short = {"input_ids": [5, 6], "labels": [-100, 6]}
    long = {"input_ids": [5, 6, 7, 8], "labels": [-100, -100, 7, 8]}
    batch = instruct.PaddingCollator(tokenizer)([short, long])
    pad = tokenizer.pad_token_id
    expected = [5, 6, pad, pad] if side == "right" else [pad, pad, 5, 6]
    assert batch["input_ids"][0].tolist() == expected
    assert batch["attention_mask"][0].tolist() == [int(i != pad) for i in expected]
    labels = [6 if i == 6 else -100 for i in expected]
    assert batch["labels"][0].tolist() == labels and batch["labels"][1].tolist() == [-100, -100,
                                                                                     7, 8]
    tokenizer.padding_side = "right"


@pytest.mark.parametrize(("response", "reference", "exact", "found"), [
    ("Positive.", "positive", True, True),
    ("  the docs:   negative ", "The docs: negative", True, True),
    ("I would say positive overall", "positive", False, True),
    ("not positive", "positive", False, True),  # success is lenient: say so on the page
    ("positively", "positive", False, False),
    ("", "positive", False, False),
])
def test_scores(response, reference, exact, found):
    assert instruct.exact_match(response, reference) is exact
    assert instruct.success(response, reference) is found


def test_batched_greedy_generation_matches_one_prompt_at_a_time(tokenizer):
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=64, n_embd=32, n_layer=1,
                        n_head=2, pad_token_id=tokenizer.pad_token_id,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    model = GPT2LMHeadModel(config)
    prompts = [instruct.format_prompt("Is this review positive or negative?", "The soup."),
               instruct.format_prompt("Say it.")]
    together = instruct.generate(model, tokenizer, prompts, max_new_tokens=6)
    alone = [instruct.generate(model, tokenizer, [p], max_new_tokens=6)[0] for p in prompts]
    assert [r["response"] for r in together] == [r["response"] for r in alone]
    assert all(r["new_tokens"] <= 6 for r in together) and tokenizer.padding_side == "right"
    metrics, examples = instruct.score_responses(
        [{"instruction": "i", "input": "", "output": together[0]["response"]},
         {"instruction": "i", "input": "", "output": "something else"}], together)
    assert metrics["exact_match"] == 0.5 and metrics["n"] == 2 and examples[0]["exact_match"]


# ---- what ``ftcourse`` reads and writes for instruction data (no model needed) -------------


def test_instruction_rows_may_leave_input_empty_but_not_out(tmp_path):
    from book.pipeline.cli import read_instructions
    from book.pipeline.jsonl import InputError

    good = tmp_path / "good.jsonl"
    good.write_text('{"instruction": "Name a module.", "input": "", "output": "json"}\n\n'
                    '{"instruction": "Sum.", "input": "1 2", "output": "3", "family": "x"}\n')
    rows = read_instructions(good)
    assert [r["input"] for r in rows] == ["", "1 2"] and rows[1]["family"] == "x"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instruction": "a", "input": "", "output": "b"}\n\n'
                   + '{"instruction": "a", "output": "b"}\n' * 7)
    with pytest.raises(InputError) as caught:
        read_instructions(bad)
    lines = str(caught.value).splitlines()
    assert lines[0] == (f"{bad}:3: missing field 'input' (\"\" for none; found: instruction, "
                        "output)")
    assert lines[4].startswith(f"{bad}:7: ") and lines[5] == "... and 2 more bad lines"
    bad.write_text('{"instruction": "a", "input": ["x"], "output": "b"}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:1: field 'input' must be a string"):
        read_instructions(bad)


def instruct_report(flags: list[bool], **metrics) -> dict:
    examples = [{"instruction": "Say | it.", "input": "line one\nline two", "reference": "yes",
                 "response": "yes" if ok else "no", "exact_match": ok, "success": ok,
                 "new_tokens": 1, "family": "aspect" if i % 2 else "structured"}
                for i, ok in enumerate(flags)]
    return {"task": "instruct", "model": "m", "base_model": "course-lm",
            "data": {"path": "d.jsonl", "rows": len(flags), "sha256": "0" * 64}, "seed": 0,
            "versions": {"python": "3"}, "examples": examples,
            "metrics": {"exact_match": sum(flags) / len(flags), "n": len(flags), **metrics}}


def test_instruct_report_markdown_has_families_and_the_first_misses():
    from book.pipeline import report

    text = report.markdown(instruct_report([True, False, False, True, False, False, False,
                                            False]))
    assert "| aspect | 4 | 0.2500 | 0.2500 |" in text
    assert "| structured | 4 | 0.2500 | 0.2500 |" in text
    assert f"First {report.MISSES_SHOWN} of 6 answers that are not an exact match" in text
    assert "| Say \\| it. | line one line two | yes | no |" in text  # one cell, one line


def test_compare_of_instruct_reports_is_paired_and_shows_costs():
    from book.pipeline import compare

    a = instruct_report([False] * 40, mean_latency_s=0.02, mean_new_tokens=32.0)
    b = instruct_report([True] * 30 + [False] * 10, mean_latency_s=0.001, mean_new_tokens=4.0)
    rows = compare.compare(a, b)
    assert [r["metric"] for r in rows] == ["exact_match", "success_rate"]
    assert rows[0]["difference"] == pytest.approx(0.75) and rows[0]["winner"] == "B"
    text = compare.markdown(a, b, rows)
    assert "paired (both scored the same rows)" in text
    assert "mean_latency_s A 0.0200, B 0.0010; mean_new_tokens A 32.0000, B 4.0000" in text
