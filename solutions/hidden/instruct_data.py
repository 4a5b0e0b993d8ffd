"""Hidden checks of the ``instruct_data`` exercise (grader only).

Another tokenizer setup than the self-check's, compared with the reference's output: a
word-level tokenizer made with ``tokenizers`` whose post-processor adds a BOS to every text
encoded with special tokens, and whose pad is its EOS; the kit's tokenizer with a new EOS and a
new pad token; both padding on the **left**. Rows from other task families; other strings for
the exact match. The messages name the mistake that fits and where, never the reference's ids.
"""

from autograde.spec import Check, Judge, PlainData
from autograde.visible.instruct_data import (
    collate_judge,
    example_judge,
    normalized_vs_reference,
)

CANARY = "hidden-canary:instruct_data:c41d9e07"
"""Must never appear in anything shipped to students (``assignments verify`` greps for it)."""

WORDS_PAD_IS_EOS = {"kind": "words", "padding_side": "left", "pad": "eos"}
KIT_NEW_SPECIALS = {"kind": "kit", "padding_side": "left", "eos": "<|end|>", "pad": "<|pad|>"}

ROWS = [
    {"prompt": "### Instruction:\nRewrite the sentence without the negation.\n\n### Input:\n"
               "The twist is hardly contrived.\n\n### Response:\n",
     "response": "The twist is contrived."},
    {"prompt": "### Instruction:\nGive the aspect and the sentiment as aspect: sentiment.\n\n"
               "### Input:\nThe portions are ample.\n\n### Response:\n",
     "response": "the portions: positive"},
    {"prompt": "### Instruction:\nWhich word describes the warnings?\n\n### Response:\n",
     "response": "precise"},
]
WORDS_EXAMPLES = {"tokenizer": WORDS_PAD_IS_EOS, "rows": ROWS, "max_length": 64}
KIT_EXAMPLES = {"tokenizer": KIT_NEW_SPECIALS, "rows": ROWS, "max_length": 20}
"""Every prompt is cut here; the longest answer (with the new EOS) still fits."""

KIT_BATCH = {"tokenizer": KIT_NEW_SPECIALS, "seed": 501, "shapes": [[3, 2], [9, 4], [1, 1], [5, 5]]}
WORDS_BATCH = {"tokenizer": WORDS_PAD_IS_EOS, "seed": 502, "shapes": [[2, 3], [6, 1], [4, 4]]}

TEXTS = ["  The Portions: POSITIVE!  ", "‘hardly precise’", "...not contrived...",
         "it's  not\n slow", "(3.5)", "e.g. the docs", "Positive ?", "the twist: not contrived"]
PAIRS = [["The portions: positive.", "the portions: positive"],
         ["the portions positive", "the portions: positive"],
         ["not contrived", "contrived"],
         ["Contrived", "contrived!"],
         ["precise, I think", "precise"],
         ["  PRECISE ", "precise"],
         ["it is precise", "precise"]]


def _normalized(found: PlainData, reference: PlainData | None) -> str | None:
    return normalized_vs_reference(found, reference, TEXTS)


def _matches(found: PlainData, reference: PlainData | None) -> str | None:
    for (response, ref), got, want in zip(PAIRS, found["matches"], reference["matches"],
                                          strict=True):
        if got != want:
            return (f"on a hidden pair, exact_match({response!r}, {ref!r}) returned {got}, the "
                    "reference the opposite: equal after normalization, and nothing else")
    return None


def _hidden(name: str, part: str, driver: str, kwargs: dict, judge: Judge, text: str) -> Check:
    return Check(name=name, part=part, points=1, driver=driver, kwargs=kwargs, judge=judge,
                 hidden=True, description=text)


CHECKS = [
    _hidden("hidden_example_word_tokenizer", "example", "examples", WORDS_EXAMPLES,
            example_judge(WORDS_EXAMPLES, ids=True, labels=True, hidden=True),
            "a word-level tokenizer that adds BOS to every text: examples as the reference's"),
    _hidden("hidden_example_new_eos_truncated", "example", "examples", KIT_EXAMPLES,
            example_judge(KIT_EXAMPLES, ids=True, labels=True, hidden=True),
            "another EOS token, every prompt cut: examples as the reference's"),
    _hidden("hidden_collate_left_new_pad", "collate", "batch", KIT_BATCH,
            collate_judge(KIT_BATCH, ["input_ids", "labels", "attention_mask"], hidden=True),
            "padding on the left with a new pad token: the batch as the reference's"),
    _hidden("hidden_collate_pad_is_eos", "collate", "batch", WORDS_BATCH,
            collate_judge(WORDS_BATCH, ["input_ids", "labels", "attention_mask"], hidden=True),
            "padding on the left, the pad token is EOS: the batch as the reference's"),
    _hidden("hidden_normalize", "exact_match", "normalized", {"texts": TEXTS}, _normalized,
            "normalize on other texts, against the reference"),
    _hidden("hidden_exact_match", "exact_match", "matches", {"pairs": PAIRS}, _matches,
            "exact_match on other pairs, against the reference"),
]
