"""Reference solution of the ``instruct_data`` exercise (instructors and the grader only).

Instruction-tuning data in three pieces: a training example whose labels hide the prompt from
the loss and end with EOS, a collator that pads a batch on the tokenizer's side with pads that
neither count in the loss nor are attended to, and an exact match that forgives case, spacing
and punctuation around the answer, nothing else.
"""

import string

import torch

IGNORE_INDEX = -100


def build_example(tokenizer, prompt: str, response: str, max_length: int) -> dict[str, list[int]]:
    """Prompt + response + EOS as ``input_ids``; ``labels`` hide the prompt from the loss."""
    # Two calls, never one on prompt + response: a tokenizer may merge the prompt's last
    # characters with the response's first ones, and the mask would then be off by a token.
    # No special tokens either: a BOS in front of the response is noise the model learns.
    prompt_ids = list(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    answer = list(tokenizer(response, add_special_tokens=False)["input_ids"])
    answer.append(tokenizer.eos_token_id)  # EOS is part of the answer: the model learns to stop
    overflow = len(prompt_ids) + len(answer) - max_length
    if overflow > 0:
        prompt_ids = prompt_ids[overflow:]  # cut its start: "### Response:" stays
    input_ids = prompt_ids + answer
    labels = [IGNORE_INDEX] * len(prompt_ids) + answer  # aligned with input_ids: no shift
    return {"input_ids": input_ids, "labels": labels}


def collate(tokenizer, examples: list[dict[str, list[int]]]) -> dict[str, torch.Tensor]:
    """Pad ``build_example`` outputs to the longest, on ``tokenizer.padding_side``."""
    width = max(len(example["input_ids"]) for example in examples)
    shape = (len(examples), width)
    input_ids = torch.full(shape, tokenizer.pad_token_id, dtype=torch.long)
    labels = torch.full(shape, IGNORE_INDEX, dtype=torch.long)  # pads never count in the loss
    attention_mask = torch.zeros(shape, dtype=torch.long)
    for row, example in enumerate(examples):
        n = len(example["input_ids"])
        # The real tokens fill the end of the row when the pads go on the left, its start if not.
        real = slice(width - n, width) if tokenizer.padding_side == "left" else slice(0, n)
        input_ids[row, real] = torch.tensor(example["input_ids"], dtype=torch.long)
        labels[row, real] = torch.tensor(example["labels"], dtype=torch.long)
        attention_mask[row, real] = 1  # from the length, not the ids: the pad may be EOS
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


PUNCTUATION = string.punctuation + "“”‘’"


def normalize(text: str) -> str:
    """Lower case, whitespace collapsed, punctuation stripped at both ends only."""
    spaced = " ".join(text.lower().split())  # split() with no argument: any run of whitespace
    return spaced.strip(PUNCTUATION).strip()  # strip(chars) touches the ends, never the inside


def exact_match(response: str, reference: str) -> bool:
    """Equal after normalization: a longer answer that contains the reference is no match."""
    return normalize(response) == normalize(reference)
