"""Instruction tuning: prompt format, label masking, padding, generation and exact match.

Rows are ``{"instruction": str, "input": str, "output": str}`` (the Alpaca fields, Taori et al.
2023). The pieces, each small enough to read in one go:

- :func:`format_prompt` writes the prompt; the model is trained to continue it with the
  ``output`` and then the end-of-sequence token, so at inference it knows when to stop;
- :func:`build_example` tokenizes prompt + response and sets the labels of the prompt to
  ``-100``: the loss (and so the gradient) comes only from the response;
- :class:`PaddingCollator` pads a batch on the tokenizer's padding side, labels pads ``-100``
  and gives the attention mask;
- :func:`normalize` and :func:`exact_match` / :func:`success` define the scores.

Why not a plain ``DataCollatorForLanguageModeling``: it copies every input token into the
labels, prompt included, and labels pads with ``-100`` only if the pad token differs from EOS.
The course's collator makes each of those choices visible.
"""

from __future__ import annotations

import re
import string
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from transformers import PreTrainedTokenizerBase

IGNORE_INDEX = -100
"""The label ``torch.nn.CrossEntropyLoss`` skips (its ``ignore_index`` default)."""

PROMPT = "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n"
"""Alpaca's section headers (Taori et al. 2023) without its one-sentence preamble, which costs
about 30 tokens: the kit model has 128 positions. With no input, the Input section is left out,
as Alpaca does."""
PROMPT_NO_INPUT = "### Instruction:\n{instruction}\n\n### Response:\n"

INSTRUCT_FIELDS = {"instruction": (str,), "input": (str,), "output": (str,)}
"""What a JSONL row of instruction data must have (``input`` may be the empty string)."""


def format_prompt(instruction: str, input: str = "") -> str:
    """The prompt the model sees; the response follows right after its last newline."""
    if input.strip():
        return PROMPT.format(instruction=instruction.strip(), input=input.strip())
    return PROMPT_NO_INPUT.format(instruction=instruction.strip())


def build_example(tokenizer: PreTrainedTokenizerBase, prompt: str, response: str,
                  max_length: int) -> dict[str, list[int]]:
    """``input_ids`` = prompt + response + EOS, ``labels`` = ``-100`` on the prompt, the ids on
    the response and EOS.

    The prompt and the response are tokenized separately and concatenated, so the boundary is
    exact (tokenizing the joined string can merge the last prompt token with the first
    response token). If the example is too long, the *prompt* is cut from the left: the
    response is what the model learns from.
    """
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    response_ids = tokenizer(response, add_special_tokens=False)["input_ids"]
    response_ids = [*response_ids, tokenizer.eos_token_id][:max_length]
    prompt_ids = prompt_ids[max(0, len(prompt_ids) + len(response_ids) - max_length):]
    return {"input_ids": prompt_ids + response_ids,
            "labels": [IGNORE_INDEX] * len(prompt_ids) + response_ids}


@dataclass
class PaddingCollator:
    """Pad a list of :func:`build_example` outputs into tensors.

    Pads go on ``tokenizer.padding_side``; their ``labels`` are ``-100`` and their
    ``attention_mask`` 0, so they neither count in the loss nor are attended to.
    """

    tokenizer: PreTrainedTokenizerBase

    def __call__(self, examples: Sequence[dict[str, list[int]]]) -> dict[str, torch.Tensor]:
        width = max(len(e["input_ids"]) for e in examples)
        pad_id = self.tokenizer.pad_token_id
        left = self.tokenizer.padding_side == "left"
        batch: dict[str, list[list[int]]] = {"input_ids": [], "attention_mask": [], "labels": []}
        for example in examples:
            n = width - len(example["input_ids"])
            for key, values, fill in (("input_ids", example["input_ids"], pad_id),
                                      ("attention_mask", [1] * len(example["input_ids"]), 0),
                                      ("labels", example["labels"], IGNORE_INDEX)):
                batch[key].append([fill] * n + list(values) if left else list(values) + [fill] * n)
        return {key: torch.tensor(value) for key, value in batch.items()}


# ---- scores ---------------------------------------------------------------------------------

_PUNCTUATION_AT_ENDS = string.punctuation + "“”‘’"
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower case, whitespace collapsed, punctuation stripped from both ends (not inside:
    "the docs: negative" keeps its colon, "not slow" keeps its words)."""
    return _SPACE.sub(" ", text).strip().strip(_PUNCTUATION_AT_ENDS).strip().lower()


def exact_match(response: str, reference: str) -> bool:
    """The normalized response equals the normalized reference."""
    return normalize(response) == normalize(reference)


def success(response: str, reference: str) -> bool:
    """The normalized reference occurs in the normalized response as whole words: the answer
    is there, perhaps with more text around it (a looser score than exact match)."""
    wanted, got = normalize(reference), normalize(response)
    return bool(wanted) and re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", got) is not None


# ---- generation ------------------------------------------------------------------------------


@torch.no_grad()
def generate(model, tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], *,
             max_new_tokens: int = 16, batch_size: int = 32, do_sample: bool = False,
             temperature: float = 1.0, top_p: float = 1.0, seed: int = 0) -> list[dict[str, Any]]:
    """The model's response to each prompt: ``{"response", "new_tokens", "seconds"}``.

    Prompts are padded on the **left**, so every row's last real token is at the same position
    and the new tokens follow it directly. Generation stops at EOS (``eos_token_id``) or after
    ``max_new_tokens``. Greedy unless ``do_sample``.
    """
    model.eval()
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    torch.manual_seed(seed)
    results = []
    try:
        for start in range(0, len(prompts), batch_size):
            chunk = list(prompts[start:start + batch_size])
            batch = tokenizer(chunk, return_tensors="pt", padding=True, add_special_tokens=False)
            began = time.perf_counter()
            sampling = {"temperature": temperature, "top_p": top_p} if do_sample else {}
            out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=do_sample,
                                 pad_token_id=tokenizer.pad_token_id,
                                 eos_token_id=tokenizer.eos_token_id, **sampling)
            seconds = (time.perf_counter() - began) / len(chunk)
            for row in out[:, batch["input_ids"].shape[1]:]:
                ids = row.tolist()
                if tokenizer.eos_token_id in ids:
                    ids = ids[:ids.index(tokenizer.eos_token_id)]
                ids = [i for i in ids if i != tokenizer.pad_token_id]
                results.append({"response": tokenizer.decode(ids, skip_special_tokens=True),
                                "new_tokens": len(ids), "seconds": seconds})
    finally:
        tokenizer.padding_side = side
    return results


def score_responses(rows: Sequence[dict[str, Any]],
                    generated: Sequence[dict[str, Any]]) -> tuple[dict[str, float], list[dict]]:
    """Exact match, success rate, mean latency and mean new tokens; one example per row."""
    examples = [{"instruction": row["instruction"], "input": row["input"],
                 "reference": row["output"], "response": out["response"],
                 "exact_match": exact_match(out["response"], row["output"]),
                 "success": success(out["response"], row["output"]),
                 "new_tokens": out["new_tokens"], **({"family": row["family"]}
                                                     if "family" in row else {})}
                for row, out in zip(rows, generated, strict=True)]
    n = max(len(examples), 1)
    metrics = {
        "exact_match": sum(e["exact_match"] for e in examples) / n,
        "success_rate": sum(e["success"] for e in examples) / n,
        "mean_latency_s": sum(out["seconds"] for out in generated) / n,
        "mean_new_tokens": sum(e["new_tokens"] for e in examples) / n,
        "n": len(examples),
    }
    return metrics, examples
