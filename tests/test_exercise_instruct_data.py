"""Exercise 6 (instruction-tuning data): the grader discriminates, and its cases test what they
claim.

Grading (with tests/test_exercises_contract.py): each classic bug has a mutant, and the check
that catches it says what is wrong and how to fix it. Cases: the visible prompts are the
course's template; the boundary case really merges tokens when tokenized as one text; the
truncation case cuts every prompt and keeps every answer; the hidden tokenizers really differ
from the self-check's (a BOS added to every text, a pad that is EOS, new ids, left padding).
Claims: the reference computes what the course's library (``book.pipeline.instruct``)
computes, on every tokenizer the checks use.
"""

from __future__ import annotations

import runpy
from typing import Any

import pytest
import torch
from exercise_harness import assert_mutant_caught, mutant_check, mutant_paths

from autograde.drivers import instruct_data as drivers
from autograde.exercise import reference, solutions_dir
from autograde.visible import instruct_data as visible

EXERCISE = "instruct_data"
REQUIRED_MUTANTS = {
    "prompt_not_masked", "no_eos", "double_shift", "joined_tokenization", "truncates_response",
    "pads_labelled_with_pad_id", "pads_with_eos", "mask_always_right", "mask_from_pad_id",
    "strips_all_punctuation", "substring_match",
}


@pytest.fixture(scope="module")
def ref() -> Any:
    return reference(EXERCISE)


def _hidden() -> dict[str, Any]:
    return runpy.run_path(str(solutions_dir() / "hidden" / f"{EXERCISE}.py"))


def test_the_classic_bugs_have_mutants():
    assert REQUIRED_MUTANTS <= {p.stem for p in mutant_paths(EXERCISE)}
    assert len(mutant_paths(EXERCISE)) >= 6


@pytest.mark.parametrize("mutant", ["special_tokens_added", "ignores_padding_side",
                                    "mask_always_right", "mask_from_pad_id"])
def test_mutants_only_the_hidden_tokenizers_catch(mutant: str):
    """What the self-check's tokenizer cannot show (it adds no BOS, pads right, has its own pad)
    the hidden setups must: these mutants pass every visible check and still lose points."""
    path = next(p for p in mutant_paths(EXERCISE) if p.stem == mutant)
    failed = set(runpy.run_path(str(path))["FAILS"])
    assert failed and all(name.startswith("hidden_") for name in failed)
    assert_mutant_caught(EXERCISE, path)


@pytest.mark.parametrize(("mutant", "check", "phrase"), [
    ("prompt_not_masked", "example_labels_mask_prompt", "the prompt is not masked"),
    ("no_eos", "example_input_ids", "does not end with EOS"),
    ("double_shift", "example_labels_mask_prompt", "shifted by hand"),
    ("joined_tokenization", "example_exact_boundary", "tokenized as one text"),
    ("joined_tokenization", "example_exact_boundary", "Tokenize the prompt and the response "
                                                      "separately"),
    ("truncates_response", "example_truncates_prompt_left", "cut the prompt from the left"),
    ("pads_labelled_with_pad_id", "collate_pads_labels_ignored", "Label pads with -100"),
    ("pads_with_eos", "collate_pads_input_ids", "Pad with tokenizer.pad_token_id"),
    ("strips_all_punctuation", "normalize_keeps_inside", "at both ends only"),
    ("substring_match", "exact_match_pairs", "not whether one contains the other"),
])
def test_failure_message_names_the_mistake_and_the_fix(mutant: str, check: str, phrase: str):
    result = mutant_check(EXERCISE, mutant, check)
    assert not result.passed
    assert phrase in result.message


def test_hidden_messages_name_the_mistake_not_the_references_ids():
    grade = {r.name: r for r in _graded("mask_from_pad_id")}
    message = grade["hidden_collate_pad_is_eos"].message
    assert "input_ids != pad_token_id" in message and "pad token = EOS" in message
    grade = {r.name: r for r in _graded("special_tokens_added")}
    assert "add_special_tokens=False" in grade["hidden_example_word_tokenizer"].message


def _graded(mutant: str):
    from exercise_harness import grade_mutant

    return grade_mutant(EXERCISE, next(p for p in mutant_paths(EXERCISE) if p.stem == mutant))


# ---- the cases test what they claim -------------------------------------------------------------


def test_visible_prompts_are_the_course_template():
    from book.pipeline.instruct import format_prompt

    assert visible.SENTIMENT["prompt"] == format_prompt(
        "Is this review positive or negative?",
        "The docs are clear, but the setup is painfully slow.")
    assert visible.ASPECT["prompt"] == format_prompt(
        "What does this review talk about?", "The warnings are hardly precise.")
    assert visible.NO_INPUT["prompt"] == format_prompt("Give the opposite of the word slow.")
    for row in _hidden()["ROWS"]:
        instruction = row["prompt"].split("\n")[1]
        given = row["prompt"].split("### Input:\n")[1].split("\n")[0] \
            if "### Input:" in row["prompt"] else ""
        assert row["prompt"] == format_prompt(instruction, given)


def test_the_boundary_case_merges_tokens_when_joined():
    tokenizer = drivers.make_tokenizer(visible.KIT)
    row = visible.TRAILING_SPACE
    apart = (tokenizer(row["prompt"], add_special_tokens=False)["input_ids"]
             + tokenizer(row["response"], add_special_tokens=False)["input_ids"])
    joined = tokenizer(row["prompt"] + row["response"], add_special_tokens=False)["input_ids"]
    assert joined != apart and len(joined) < len(apart)
    for case in (visible.EXAMPLE_CASE, _hidden()["WORDS_EXAMPLES"], _hidden()["KIT_EXAMPLES"]):
        tok = drivers.make_tokenizer(case["tokenizer"], drivers.row_texts(case["rows"]))
        for r in case["rows"]:  # elsewhere the boundary is clean: one bug, one check
            assert (tok(r["prompt"] + r["response"], add_special_tokens=False)["input_ids"]
                    == tok(r["prompt"], add_special_tokens=False)["input_ids"]
                    + tok(r["response"], add_special_tokens=False)["input_ids"])


@pytest.mark.parametrize("case", ["visible", "hidden"])
def test_truncation_cases_cut_every_prompt_and_keep_every_answer(case: str):
    kwargs = visible.TRUNCATION_CASE if case == "visible" else _hidden()["KIT_EXAMPLES"]
    tokenizer = drivers.make_tokenizer(kwargs["tokenizer"], drivers.row_texts(kwargs["rows"]))
    for row in kwargs["rows"]:
        want = visible.expected_example(tokenizer, row, kwargs["max_length"])
        n_prompt = len(tokenizer(row["prompt"], add_special_tokens=False)["input_ids"])
        assert len(want["whole"]) > kwargs["max_length"] == len(want["input_ids"])
        assert 0 < want["prompt_tokens"] < n_prompt
        assert tokenizer.decode(want["input_ids"][:want["prompt_tokens"]]).endswith(
            "### Response:\n")


def test_hidden_tokenizers_differ_from_the_self_checks():
    hidden = _hidden()
    kit = drivers.make_tokenizer(visible.KIT)
    assert kit.padding_side == "right" and kit.pad_token_id != kit.eos_token_id
    assert kit("a b")["input_ids"] == kit("a b", add_special_tokens=False)["input_ids"]
    words = drivers.make_tokenizer(hidden["WORDS_PAD_IS_EOS"], ["a b"])
    assert words.padding_side == "left" and words.pad_token_id == words.eos_token_id
    assert words("a b")["input_ids"][0] == words.bos_token_id != words.eos_token_id
    assert words("a b", add_special_tokens=False)["input_ids"][0] != words.bos_token_id
    new = drivers.make_tokenizer(hidden["KIT_NEW_SPECIALS"])
    assert new.padding_side == "left" and new.pad_token_id != new.eos_token_id
    assert {new.pad_token_id, new.eos_token_id}.isdisjoint({kit.pad_token_id, kit.eos_token_id})


def test_collate_examples_end_with_eos_and_hold_no_other_special_token():
    hidden = _hidden()
    for kwargs in (visible.COLLATE_CASE, hidden["KIT_BATCH"], hidden["WORDS_BATCH"]):
        tokenizer = drivers.make_tokenizer(kwargs["tokenizer"])
        examples = drivers.collate_examples(tokenizer, kwargs["seed"], kwargs["shapes"])
        assert len({len(e["input_ids"]) for e in examples}) > 1  # padding is needed
        for example, (n_prompt, n_response) in zip(examples, kwargs["shapes"], strict=True):
            ids = example["input_ids"]
            assert len(ids) == n_prompt + n_response + 1 and ids[-1] == tokenizer.eos_token_id
            assert not set(ids[:-1]) & set(tokenizer.all_special_ids)
        assert examples == drivers.collate_examples(tokenizer, kwargs["seed"], kwargs["shapes"])


# ---- the reference agrees with the course's library -----------------------------------------


def test_reference_matches_the_course_library_on_every_tokenizer(ref):
    from book.pipeline import instruct

    hidden = _hidden()
    for kwargs in (visible.EXAMPLE_CASE, visible.BOUNDARY_CASE, visible.TRUNCATION_CASE,
                   hidden["WORDS_EXAMPLES"], hidden["KIT_EXAMPLES"]):
        tokenizer = drivers.make_tokenizer(kwargs["tokenizer"], drivers.row_texts(kwargs["rows"]))
        for row in kwargs["rows"]:
            args = (tokenizer, row["prompt"], row["response"], kwargs["max_length"])
            assert ref.build_example(*args) == instruct.build_example(*args)
    for kwargs in (visible.COLLATE_CASE, hidden["KIT_BATCH"], hidden["WORDS_BATCH"]):
        tokenizer = drivers.make_tokenizer(kwargs["tokenizer"])
        examples = drivers.collate_examples(tokenizer, kwargs["seed"], kwargs["shapes"])
        ours, library = ref.collate(tokenizer, examples), instruct.PaddingCollator(tokenizer)(
            examples)
        assert set(ours) == set(library)
        for key in ours:
            assert ours[key].dtype == torch.long
            assert torch.equal(ours[key], library[key]), key
    texts = [t for cases in (visible.NORMALIZE_SPACES, visible.NORMALIZE_ENDS,
                             visible.NORMALIZE_INSIDE) for t, _, _ in cases] + hidden["TEXTS"]
    assert [ref.normalize(t) for t in texts] == [instruct.normalize(t) for t in texts]
    pairs = [(r, ref_) for r, ref_, _, _ in visible.MATCH_PAIRS] + hidden["PAIRS"]
    assert ([ref.exact_match(*p) for p in pairs] == [instruct.exact_match(*p) for p in pairs])


def test_reference_collate_feeds_the_kit_model(ref):
    """The batch is what a causal LM takes: the loss is finite and counts only response + EOS."""
    from transformers import AutoModelForCausalLM

    from book.models import KIT_LM, resolve

    tokenizer = drivers.make_tokenizer(visible.KIT)
    rows = visible.EXAMPLE_CASE["rows"]
    batch = ref.collate(tokenizer, [ref.build_example(tokenizer, r["prompt"], r["response"], 128)
                                    for r in rows])
    model = AutoModelForCausalLM.from_pretrained(resolve(KIT_LM))
    with torch.no_grad():
        loss = model(**batch).loss
    assert torch.isfinite(loss)
    answers = [len(tokenizer(r["response"], add_special_tokens=False)["input_ids"]) + 1
               for r in rows]
    assert (batch["labels"] != -100).sum(dim=1).tolist() == answers
