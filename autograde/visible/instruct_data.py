"""Visible checks of the ``instruct_data`` exercise.

Two kinds of expected values. Strings and booleans are baked in below (``normalize``,
``exact_match``), each with what its case is about. Token ids are not: the judges work them out
in the grader process from the tokenizer the check's kwargs describe (``make_tokenizer``, the
kit's tokenizer rebuilt there), so the checks hold for any build of the kit, and nothing of it
comes from the student's sandbox. When a value is wrong, the judges test the classic mistakes
that would produce it (the prompt left in the loss, no EOS, labels shifted by hand, prompt and
response tokenized as one text, the response cut off, pads in the loss or labelled with the
wrong id, a mask on the other side than the pads, punctuation removed inside the answer, a
substring test) and name the one that fits, with the fix.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

from autograde.drivers.instruct_data import (
    BATCH_KEYS,
    IGNORE_INDEX,
    collate_examples,
    make_tokenizer,
    row_texts,
)
from autograde.spec import Check, Judge, PlainData

KIT = {"kind": "kit", "padding_side": "right"}
"""The course's tokenizer as the chapters use it: pads on the right, pad ``<pad>`` != EOS."""

SENTIMENT = {
    "prompt": "### Instruction:\nIs this review positive or negative?\n\n### Input:\n"
              "The docs are clear, but the setup is painfully slow.\n\n### Response:\n",
    "response": "negative",
}
ASPECT = {
    "prompt": "### Instruction:\nWhat does this review talk about?\n\n### Input:\n"
              "The warnings are hardly precise.\n\n### Response:\n",
    "response": "the warnings",
}
NO_INPUT = {
    "prompt": "### Instruction:\nGive the opposite of the word slow.\n\n### Response:\n",
    "response": "fast",
}
TRAILING_SPACE = {"prompt": "Review: The docs are clear.\nSentiment: ", "response": "positive"}
"""A template that ends with a space: tokenized as one text, " positive" is a single token."""

EXAMPLE_CASE = {"tokenizer": KIT, "rows": [SENTIMENT, NO_INPUT, ASPECT], "max_length": 128}
BOUNDARY_CASE = {"tokenizer": KIT, "rows": [TRAILING_SPACE], "max_length": 128}
TRUNCATION_CASE = {"tokenizer": KIT, "rows": [SENTIMENT, ASPECT], "max_length": 16}
"""Both prompts are longer than 16 tokens; each response and EOS fit."""

COLLATE_CASE = {"tokenizer": KIT, "seed": 1, "shapes": [[4, 2], [7, 3], [2, 1]]}
"""Three examples of 7, 11 and 4 tokens (prompt, response, EOS)."""


# ---- build_example ----------------------------------------------------------------------------


def expected_example(tokenizer: Any, row: Mapping[str, str], max_length: int) -> dict[str, Any]:
    """The ids and labels ``row`` must give, and how many prompt tokens they keep."""
    prompt = tokenizer(row["prompt"], add_special_tokens=False)["input_ids"]
    answer = [*tokenizer(row["response"], add_special_tokens=False)["input_ids"],
              tokenizer.eos_token_id]
    kept = prompt[len(prompt) - min(len(prompt), max_length - len(answer)):]
    return {"input_ids": kept + answer, "labels": [IGNORE_INDEX] * len(kept) + answer,
            "prompt_tokens": len(kept), "whole": prompt + answer}


def _first_difference(found: Sequence[Any], expected: Sequence[Any]) -> int:
    return next((i for i, (a, b) in enumerate(zip(found, expected, strict=False)) if a != b),
                min(len(found), len(expected)))


def _joined_problem(tokenizer: Any, row: Mapping[str, str], ids: list[int],
                    want: Mapping[str, Any], max_length: int) -> str | None:
    joined = tokenizer(row["prompt"] + row["response"], add_special_tokens=False)["input_ids"]
    joined = [*joined, tokenizer.eos_token_id]
    if joined == want["whole"] or ids not in (joined, joined[-max_length:]):
        return None
    at = _first_difference(joined, want["whole"])
    merged = tokenizer.convert_ids_to_tokens(joined[at:at + 1])
    apart = tokenizer.convert_ids_to_tokens(want["whole"][at:at + 2])
    return ("the prompt and the response were tokenized as one text: the tokenizer merged "
            f"their boundary into {merged}, where the prompt's last token and the response's "
            f"first are {apart}. The ids are then not the prompt's followed by the response's, "
            "and the prompt's token count no longer tells where the response starts. Tokenize "
            "the prompt and the response separately (add_special_tokens=False) and concatenate")


def ids_problem(tokenizer: Any, row: Mapping[str, str], max_length: int, found: PlainData,
                *, hidden: bool = False) -> str | None:
    """None if the example's ``input_ids`` are right; else the mistake that fits, and its fix."""
    want = expected_example(tokenizer, row, max_length)
    ids, eos = found["input_ids"], tokenizer.eos_token_id
    if ids == want["input_ids"]:
        return None
    if len(ids) > max_length:
        return (f"input_ids holds {len(ids)} tokens, more than max_length={max_length}: when "
                "prompt + response + EOS is too long, cut the prompt from the left")
    whole = want["whole"]
    if len(whole) > max_length and ids == whole[:max_length]:
        return (f"the example was cut from the right to max_length={max_length}: the response "
                "and its EOS are gone, and the model learns nothing from this example. Keep the "
                "response and EOS whole and cut the prompt from the left (its end, "
                "'### Response:', stays)")
    answer = want["input_ids"][want["prompt_tokens"]:]
    if len(whole) > max_length and ids == whole[:want["prompt_tokens"]] + answer:
        return ("the prompt was cut at its end: its last tokens, '### Response:' and the "
                "newline that the response follows, are gone, so the example no longer shows "
                "where the answer starts. Cut the prompt from the left: drop its first tokens")
    if not ids or ids[-1] != eos:
        return (f"input_ids does not end with EOS (tokenizer.eos_token_id, {eos} here): append "
                "it after the response's ids. A model fine-tuned without EOS never learns to "
                "stop: at inference it goes on generating after the answer")
    extra = sorted({i for i in ids[:-1] if i in set(tokenizer.all_special_ids) - {eos}})
    if extra:
        return (f"input_ids holds special tokens {tokenizer.convert_ids_to_tokens(extra)} "
                "before the final EOS: this tokenizer adds them to every text encoded with "
                "special tokens. Tokenize the prompt and the response with "
                "add_special_tokens=False, then append EOS yourself")
    joined = _joined_problem(tokenizer, row, ids, want, max_length)
    if joined:
        return joined
    at = _first_difference(ids, want["input_ids"])
    what = "the prompt's ids (without special tokens), then the response's, then EOS"
    if hidden:
        return f"input_ids differs from the reference's at position {at} ({what})"
    expected = want["input_ids"][at] if at < len(want["input_ids"]) else "the end"
    yours = ids[at] if at < len(ids) else "missing"
    return (f"input_ids[{at}] should be {expected}; yours is {yours} (input_ids: {what}, "
            f"{len(want['input_ids'])} ids)")


def labels_problem(tokenizer: Any, row: Mapping[str, str], max_length: int, found: PlainData,
                   *, hidden: bool = False) -> str | None:
    """None if the labels fit the example's own ``input_ids``: ``-100`` on its prompt tokens,
    the ids themselves on the rest; else the mistake that fits."""
    ids, labels = found["input_ids"], found["labels"]
    if len(labels) != len(ids):
        return (f"labels must have one entry per input id; found {len(labels)} labels for "
                f"{len(ids)} ids")
    n = expected_example(tokenizer, row, max_length)["prompt_tokens"]
    want = [IGNORE_INDEX] * min(n, len(ids)) + ids[n:]
    if labels == want:
        return None
    if labels == ids:
        return ("the prompt is not masked: labels equal input_ids, so the loss also trains the "
                "model to predict the instruction and the input it is given. Set the labels of "
                f"the {n} prompt tokens to -100 (ignored by the cross-entropy)")
    if labels == [*want[1:], IGNORE_INDEX]:
        return ("the labels are shifted by hand (labels[i] = input_ids[i + 1]): the model shifts "
                "them itself (the logits at position i are scored against labels[i + 1]), so "
                "this shifts twice and trains the model to predict the token after next. Keep "
                "labels aligned with input_ids")
    if ids and ids[-1] == tokenizer.eos_token_id and labels[-1] == IGNORE_INDEX:
        return ("the EOS is labelled -100: the loss never rewards stopping, so the model does "
                "not learn to end its answer. Label EOS with its id, like the response")
    masked = sum(label == IGNORE_INDEX for label in labels)
    if masked != n or labels[:n] != want[:n]:
        return (f"labels must be -100 on exactly the {n} prompt tokens at the start; yours "
                f"{'are' if masked != 1 else 'is'} -100 at {masked} positions")
    at = _first_difference(labels, want)
    if hidden:
        return (f"labels[{at}] differs from the reference's: after the prompt, labels are the "
                "input ids themselves (response and EOS)")
    return (f"labels[{at}] should be {want[at]} (the input id at that position: after the "
            f"prompt, labels copy the ids); yours is {labels[at]}")


def example_judge(kwargs: Mapping[str, Any], *, ids: bool, labels: bool,
                  hidden: bool = False) -> Judge:
    """Each row's example: its ids (``ids``) and its labels (``labels``), then the reference's
    output for a hidden check."""
    def judge(found: PlainData, reference: PlainData | None) -> str | None:
        rows = kwargs["rows"]
        tokenizer = make_tokenizer(kwargs["tokenizer"], row_texts(rows))
        examples = found["examples"]
        if len(examples) != len(rows):
            return f"expected {len(rows)} examples, found {len(examples)}"
        for i, (row, example) in enumerate(zip(rows, examples, strict=True)):
            message = None
            if ids:
                message = ids_problem(tokenizer, row, kwargs["max_length"], example,
                                      hidden=hidden)
            if message is None and labels:
                message = labels_problem(tokenizer, row, kwargs["max_length"], example,
                                         hidden=hidden)
            if message is None and reference is not None and example != reference["examples"][i]:
                message = "the example differs from the reference's"
            if message:
                where = (f"with a tokenizer like this one ({_tokenizer_words(tokenizer)}) and "
                         if hidden else "")
                return (f"{where}max_length={kwargs['max_length']}, for the response "
                        f"{row['response']!r}: {message}")
        return None

    return judge


def _tokenizer_words(tokenizer: Any) -> str:
    same = tokenizer.pad_token_id == tokenizer.eos_token_id
    return (f"padding_side={tokenizer.padding_side!r}, pad token "
            f"{'= EOS' if same else '!= EOS'}, EOS {tokenizer.eos_token!r}")


# ---- collate ----------------------------------------------------------------------------------


def padded(values: Sequence[int], fill: int, width: int, side: str) -> list[int]:
    """``values`` filled up to ``width`` with ``fill`` on ``side``."""
    gap = [fill] * (width - len(values))
    return [*gap, *values] if side == "left" else [*values, *gap]


def _other(side: str) -> str:
    return "right" if side == "left" else "left"


def _rows(examples: Sequence[Mapping[str, list[int]]], key: str, fill: int, side: str,
          width: int) -> list[list[int]]:
    return [padded(e[key] if key != "attention_mask" else [1] * len(e["input_ids"]), fill,
                   width, side) for e in examples]


def batch_problem(tokenizer: Any, examples: Sequence[Mapping[str, list[int]]], found: PlainData,
                  key: str) -> str | None:
    """None if ``found[key]`` is ``examples`` padded right; else the mistake that fits."""
    width = max(len(e["input_ids"]) for e in examples)
    side, pad, eos = tokenizer.padding_side, tokenizer.pad_token_id, tokenizer.eos_token_id
    fill = {"input_ids": pad, "attention_mask": 0, "labels": IGNORE_INDEX}[key]
    got = found[key]["values"]
    if got == _rows(examples, key, fill, side, width):
        return None
    if found[key]["shape"] != [len(examples), width]:
        return (f"{key} has shape {found[key]['shape']}; expected [{len(examples)}, {width}]: "
                "one row per example, padded to the longest example in the batch")
    if key == "attention_mask":
        if all(all(v == 1 for v in row) for row in got):
            return ("attention_mask is 1 everywhere: the model attends to the pads as if they "
                    "were text. Put 0 on the pads and 1 on the real tokens")
        from_ids = [[int(i != pad) for i in row] for row in found["input_ids"]["values"]]
        if got == from_ids and pad == eos:
            return ("attention_mask was computed from input_ids != pad_token_id: this "
                    "tokenizer's pad token is its EOS, so the EOS that ends every example is "
                    "masked as if it were a pad. Build the mask from each example's length")
        if got == _rows(examples, key, fill, _other(side), width):
            return (f"attention_mask marks pads on the {_other(side)}, but the ids are padded "
                    f"on the {side} (tokenizer.padding_side={side!r}): the model then attends "
                    "to pads and ignores real tokens. Pad the mask on the same side as the ids")
        return f"attention_mask must be 1 on the real tokens and 0 on the pads ({side} side)"
    if got == _rows(examples, key, fill, _other(side), width):
        return (f"{key} is padded on the {_other(side)}, but tokenizer.padding_side is {side!r}: "
                "pad on the tokenizer's side (left for batched generation, so that every "
                "row's last real token is the last position)")
    if key == "labels":
        for wrong, name in ((pad, "the pad id"), (eos, "the EOS id"), (0, "0")):
            if wrong != IGNORE_INDEX and got == _rows(examples, key, wrong, side, width):
                return (f"the pads' labels are {name} ({wrong}): the loss then trains the model "
                        "to predict pads after the answer. Label pads with -100, which the "
                        "cross-entropy ignores")
        return ("labels must be each example's labels, padded with -100 on "
                f"tokenizer.padding_side ({side!r})")
    for wrong, name in ((eos, "the EOS id"), (0, "0")):
        if wrong != pad and got == _rows(examples, key, wrong, side, width):
            return (f"input_ids is padded with {name} ({wrong}), not tokenizer.pad_token_id "
                    f"({pad}): code downstream finds pads by that id (a GPT-2 classifier reads "
                    "the token before the first pad id, generation strips pad ids). Pad with "
                    "tokenizer.pad_token_id")
    return f"input_ids must be each example's ids, padded with {pad} on the {side}"


def collate_judge(kwargs: Mapping[str, Any], keys: Sequence[str], *, hidden: bool = False) -> Judge:
    """The batch's ``keys`` against the examples padded on the tokenizer's side (and the
    reference's output, for a hidden check)."""
    def judge(found: PlainData, reference: PlainData | None) -> str | None:
        tokenizer = make_tokenizer(kwargs["tokenizer"])
        examples = collate_examples(tokenizer, kwargs["seed"], kwargs["shapes"])
        for key in keys:
            message = batch_problem(tokenizer, examples, found, key)
            if message is None and reference is not None and found[key] != reference[key]:
                message = f"{key} differs from the reference's"
            if message:
                where = f"with another tokenizer ({_tokenizer_words(tokenizer)}): " \
                    if hidden else ""
                return where + message
        return None

    return judge


def _tensors(found: PlainData, _reference: PlainData | None) -> str | None:
    n, width = len(COLLATE_CASE["shapes"]), max(p + r + 1 for p, r in COLLATE_CASE["shapes"])
    for key in BATCH_KEYS:
        value = found[key]
        if not value["is_tensor"]:
            return (f"collate()[{key!r}] is not a torch.Tensor: return "
                    "torch.tensor(rows, dtype=torch.long) for each key")
        if value["dtype"] != "torch.int64":
            return (f"collate()[{key!r}] has dtype {value['dtype']}: ids, mask and labels must "
                    "be torch.long (int64): embeddings and the cross-entropy take integer ids")
        if value["shape"] != [n, width]:
            return (f"collate()[{key!r}] has shape {value['shape']}; expected [{n}, {width}]: "
                    "one row per example, as long as the longest example")
    return None


# ---- normalize, exact_match -------------------------------------------------------------------

PUNCTUATION = string.punctuation + "“”‘’"
"""What ``normalize`` strips at both ends (and only there)."""

NORMALIZE_SPACES = [
    ("  Positive\n", "positive", "lower case, leading and trailing whitespace removed"),
    ("NOT\tslow", "not slow", "a tab is whitespace too: every run becomes one space"),
    ("The   Portions", "the portions", "runs of spaces collapse to one"),
]
NORMALIZE_ENDS = [
    ("Negative.", "negative", "a final full stop goes"),
    ('"precise"', "precise", "quotes at both ends go"),
    ("(the docs)", "the docs", "brackets at both ends go"),
    ("“positive”", "positive", "curly quotes at both ends go"),
    ("slow!!!", "slow", "every punctuation character at the end goes"),
]
NORMALIZE_INSIDE = [
    ("the docs: negative", "the docs: negative", "the colon inside is part of the answer"),
    ("not slow", "not slow", "every word stays, the negation first of all"),
    ("It isn't slow.", "it isn't slow", "an apostrophe inside a word stays"),
    ("3.5 stars", "3.5 stars", "a decimal point inside stays"),
    ("e-mail", "e-mail", "a hyphen inside stays"),
]
MATCH_PAIRS = [
    ("Negative.", "negative", True, "equal once normalized"),
    ("The docs:   positive", "the docs: positive", True, "spacing does not matter"),
    ("not slow", "slow", False,
     "the response contains the reference but says the opposite: compare the whole normalized "
     "strings (==), not whether one contains the other (in)"),
    ("positive, I think", "positive", False,
     "extra words make it another answer: exact match compares whole strings, not `in`"),
    ("the docs positive", "the docs: positive", False,
     "the colon inside the reference is part of the answer"),
    ("", "positive", False, "an empty response matches nothing"),
]


def _normalize_judge(cases: Sequence[tuple[str, str, str]]) -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        for (text, want, why), got in zip(cases, found["normalized"], strict=True):
            if got == want:
                continue
            message = f"normalize({text!r}) should be {want!r}; yours is {got!r} ({why})"
            if any(c in PUNCTUATION and c not in got for c in want):
                message += (": punctuation inside the text was removed. Strip it at both ends "
                            "only (str.strip(chars) touches the ends, never the inside)")
            return message
        return None

    return judge


def _match_judge(found: PlainData, _reference: PlainData | None) -> str | None:
    for (response, reference, want, why), got in zip(MATCH_PAIRS, found["matches"], strict=True):
        if got != want:
            return (f"exact_match({response!r}, {reference!r}) should be {want}; yours is "
                    f"{got}: {why}")
    return None


def normalized_vs_reference(found: PlainData, reference: PlainData | None,
                            texts: Sequence[str]) -> str | None:
    """A hidden check's judge on ``normalize``: the text, the student's output, the rules."""
    for text, got, want in zip(texts, found["normalized"], reference["normalized"], strict=True):
        if got != want:
            return (f"on a hidden text, normalize({text!r}) returned {got!r}, which is not what "
                    "the reference returns: lower case, every run of whitespace one space, "
                    "punctuation stripped at both ends only")
    return None


# ---- checks -----------------------------------------------------------------------------------


def _check(name: str, part: str, driver: str, kwargs: Mapping[str, Any], judge: Judge,
           description: str) -> Check:
    return Check(name=name, part=part, points=1, driver=driver, kwargs=dict(kwargs), judge=judge,
                 description=description)


CHECKS = [
    _check("example_input_ids", "example", "examples", EXAMPLE_CASE,
           example_judge(EXAMPLE_CASE, ids=True, labels=False),
           "input_ids: the prompt's ids, then the response's, then EOS"),
    _check("example_labels_mask_prompt", "example", "examples", EXAMPLE_CASE,
           example_judge(EXAMPLE_CASE, ids=False, labels=True),
           "labels: -100 on the prompt, the ids on the response and EOS, not shifted"),
    _check("example_exact_boundary", "example", "examples", BOUNDARY_CASE,
           example_judge(BOUNDARY_CASE, ids=True, labels=True),
           "a prompt ending with a space: prompt and response tokenized separately"),
    _check("example_truncates_prompt_left", "example", "examples", TRUNCATION_CASE,
           example_judge(TRUNCATION_CASE, ids=True, labels=True),
           "too long: the prompt loses its start, the response and EOS stay"),
    _check("collate_returns_long_tensors", "collate", "batch", COLLATE_CASE, _tensors,
           "three torch.long tensors of shape (batch, longest)"),
    _check("collate_pads_input_ids", "collate", "batch", COLLATE_CASE,
           collate_judge(COLLATE_CASE, ["input_ids"]),
           "input_ids padded with the pad id on tokenizer.padding_side"),
    _check("collate_pads_labels_ignored", "collate", "batch", COLLATE_CASE,
           collate_judge(COLLATE_CASE, ["labels"]),
           "labels padded with -100"),
    _check("collate_attention_mask", "collate", "batch", COLLATE_CASE,
           collate_judge(COLLATE_CASE, ["attention_mask"]),
           "attention_mask 1 on real tokens, 0 on pads"),
    _check("normalize_case_and_spaces", "exact_match", "normalized",
           {"texts": [t for t, _, _ in NORMALIZE_SPACES]}, _normalize_judge(NORMALIZE_SPACES),
           "lower case, whitespace collapsed"),
    _check("normalize_strips_ends", "exact_match", "normalized",
           {"texts": [t for t, _, _ in NORMALIZE_ENDS]}, _normalize_judge(NORMALIZE_ENDS),
           "punctuation stripped at both ends"),
    _check("normalize_keeps_inside", "exact_match", "normalized",
           {"texts": [t for t, _, _ in NORMALIZE_INSIDE]}, _normalize_judge(NORMALIZE_INSIDE),
           "punctuation and words inside the text stay"),
    _check("exact_match_pairs", "exact_match", "matches",
           {"pairs": [[r, ref] for r, ref, _, _ in MATCH_PAIRS]}, _match_judge,
           "equal after normalization; containing the reference is not enough"),
]
