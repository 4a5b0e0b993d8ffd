"""Drivers of the ``instruct_data`` exercise: they run next to the student's code.

A tokenizer crosses the trust boundary as plain data, a *spec*, and is built from it here, in
the sandbox, and again in the grader process, where the judges work out what the student's
functions should have returned: ``make_tokenizer`` and ``collate_examples`` are public for that
reason. Nothing a judge relies on comes from the sandbox except what the student's functions
returned.

Specs (``padding_side`` is always given):

- ``{"kind": "kit"}``: the course's tokenizer, the kit's byte-level BPE (EOS ``<|endoftext|>``,
  pad ``<pad>``: two different ids), loaded the way the course loads it;
- ``{"kind": "words"}``: a tiny word-level tokenizer made with ``tokenizers`` from
  ``BASE_WORDS`` and the words of the check's texts; its post-processor puts a BOS token
  ``<s>`` in front of every text encoded with special tokens, its EOS is ``</s>``;
- ``"eos": "<|end|>"`` adds a new special token and makes it the EOS; ``"pad": "<|pad|>"`` the
  same for the pad; ``"pad": "eos"`` makes the pad token the EOS token (as GPT-2 is often
  used, since it has no pad token).

Drivers:

- ``examples``: ``build_example`` on rows ``{"prompt", "response"}``;
- ``batch``: ``collate`` on examples made from seeded ids (``collate_examples``);
- ``normalized``, ``matches``: ``normalize`` and ``exact_match`` on strings.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from autograde.spec import PlainData, StudentError

IGNORE_INDEX = -100
"""The label ``torch.nn.CrossEntropyLoss`` skips (its ``ignore_index`` default)."""

BASE_WORDS: tuple[str, ...] = (
    "###", "Instruction", "Input", "Response", ":", "the", "a", "is", "are", "not", "and",
    "docs", "setup", "slow", "fast", "positive", "negative", "review", "this", "word",
)
"""Words every ``"words"`` tokenizer knows, whatever the check's texts."""
WORD_SPECIALS = ("<unk>", "<s>", "</s>", "<pad>")
"""The ``"words"`` tokenizer's special tokens, after the words: ids unlike the kit's 0 and 1."""
BATCH_KEYS = ("input_ids", "attention_mask", "labels")
_BUILDING = threading.Lock()
"""The grader judges several submissions at once, in threads, and builds tokenizers in the
judges: transformers' lazy imports are not thread-safe (two threads importing ``AutoTokenizer``
at once can raise ImportError), so tokenizers are built one at a time."""


# ---- tokenizers -------------------------------------------------------------------------------


def _word_tokenizer(texts: Sequence[str]) -> Any:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    split = pre_tokenizers.Whitespace()
    words = set(BASE_WORDS)
    for text in texts:
        words.update(piece for piece, _ in split.pre_tokenize_str(text))
    vocab = {word: i for i, word in enumerate(sorted(words))}
    for token in WORD_SPECIALS:
        vocab[token] = len(vocab)
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = split
    core.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A $B", special_tokens=[("<s>", vocab["<s>"])])
    return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>", unk_token="<unk>")


def make_tokenizer(spec: Mapping[str, Any], texts: Sequence[str] = ()) -> Any:
    """A fresh tokenizer for ``spec`` (see the module docstring); ``texts``: what a ``"words"``
    tokenizer must know besides ``BASE_WORDS``. Fresh on every call: student code may change it.
    """
    with _BUILDING:
        return _make_tokenizer(spec, texts)


def _make_tokenizer(spec: Mapping[str, Any], texts: Sequence[str]) -> Any:
    if spec["kind"] == "kit":
        from transformers import AutoTokenizer

        from book.models import KIT_LM, resolve

        tokenizer = AutoTokenizer.from_pretrained(resolve(KIT_LM))  # the kit, in any source
        if tokenizer.pad_token is None:  # as book.models loads it
            tokenizer.pad_token = tokenizer.eos_token
    elif spec["kind"] == "words":
        tokenizer = _word_tokenizer(texts)
    else:
        raise ValueError(f"unknown tokenizer kind {spec['kind']!r}")
    if spec.get("eos"):
        tokenizer.add_special_tokens({"eos_token": spec["eos"]})
    if spec.get("pad") == "eos":
        tokenizer.pad_token = tokenizer.eos_token
    elif spec.get("pad"):
        tokenizer.add_special_tokens({"pad_token": spec["pad"]})
    tokenizer.padding_side = spec["padding_side"]
    return tokenizer


def row_texts(rows: Sequence[Mapping[str, str]]) -> list[str]:
    """The texts of ``build_example`` rows, for a ``"words"`` tokenizer's vocabulary."""
    return [text for row in rows for text in (row["prompt"], row["response"])]


def describe_tokenizer(tokenizer: Any) -> str:
    """How a tokenizer pads and ends a text, for messages: sides, tokens and ids."""
    return (f"padding_side={tokenizer.padding_side!r}, pad_token={tokenizer.pad_token!r} "
            f"(id {tokenizer.pad_token_id}), eos_token={tokenizer.eos_token!r} "
            f"(id {tokenizer.eos_token_id})")


# ---- helpers ----------------------------------------------------------------------------------


def _function(ns: Mapping[str, Any], name: str, signature: str) -> Any:
    fn = ns.get(name)
    if not callable(fn):
        raise StudentError(f"define a function {signature}; it was not found in your notebook")
    return fn


def _ints(value: Any, what: str) -> list[int]:
    """A flat list of ints from a list, tuple, tensor or array (1-D)."""
    import numpy as np

    if hasattr(value, "tolist") and not isinstance(value, list):
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise StudentError(f"{what} must be a list of ints; found {type(value).__name__}")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise StudentError(f"{what} must hold ints (token ids, -100); found {v!r:.40}")
        out.append(int(v))
    return out


# ---- build_example ----------------------------------------------------------------------------

EXAMPLE_SIGNATURE = "build_example(tokenizer, prompt, response, max_length) -> dict"


def examples(ns: Mapping[str, Any], *, tokenizer: Mapping[str, Any],
             rows: list[dict[str, str]], max_length: int) -> PlainData:
    """``build_example`` on each row, with one tokenizer: ``{"examples": [{input_ids, labels}]}``.
    """
    fn = _function(ns, "build_example", EXAMPLE_SIGNATURE)
    tok = make_tokenizer(tokenizer, row_texts(rows))
    out = []
    for row in rows:
        example = fn(tok, row["prompt"], row["response"], max_length)
        if not isinstance(example, Mapping) or not {"input_ids", "labels"} <= set(example):
            found = sorted(map(str, example)) if isinstance(example, Mapping) else \
                type(example).__name__
            raise StudentError("build_example must return a dict with the keys 'input_ids' and "
                               f"'labels'; found {found}")
        out.append({key: _ints(example[key], key) for key in ("input_ids", "labels")})
    return {"examples": out}


# ---- collate ----------------------------------------------------------------------------------

COLLATE_SIGNATURE = "collate(tokenizer, examples) -> dict of tensors"


def collate_examples(tokenizer: Any, seed: int,
                     shapes: Sequence[Sequence[int]]) -> list[dict[str, list[int]]]:
    """Examples as ``build_example`` makes them, one per ``(prompt tokens, response tokens)``:
    seeded ordinary ids, then EOS; labels ``-100`` on the prompt."""
    rng = random.Random(f"instruct_data/collate/{seed}")
    special = set(tokenizer.all_special_ids)
    ordinary = [i for i in range(len(tokenizer)) if i not in special]
    out = []
    for n_prompt, n_response in shapes:
        ids = [rng.choice(ordinary) for _ in range(n_prompt + n_response)]
        ids.append(tokenizer.eos_token_id)
        out.append({"input_ids": ids, "labels": [IGNORE_INDEX] * n_prompt + ids[n_prompt:]})
    return out


def _tensor(value: Any, key: str) -> dict[str, Any]:
    import torch

    is_tensor = isinstance(value, torch.Tensor)
    try:
        tensor = value if is_tensor else torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise StudentError(f"collate()[{key!r}] must be a tensor of shape (batch, longest); "
                           f"found {type(value).__name__} ({exc})") from exc
    if tensor.dim() != 2:
        raise StudentError(f"collate()[{key!r}] must be 2-D (batch, longest); found shape "
                           f"{list(tensor.shape)}")
    if tensor.dtype.is_floating_point or tensor.dtype.is_complex:
        values = tensor.tolist()  # judged as they are: a float id is a wrong id
    else:
        values = tensor.long().tolist()
    return {"is_tensor": is_tensor, "dtype": str(tensor.dtype), "shape": list(tensor.shape),
            "values": values}


def batch(ns: Mapping[str, Any], *, tokenizer: Mapping[str, Any], seed: int,
          shapes: list[list[int]]) -> PlainData:
    """``collate`` on the examples of ``collate_examples``: each tensor's type, dtype, shape and
    values."""
    fn = _function(ns, "collate", COLLATE_SIGNATURE)
    tok = make_tokenizer(tokenizer)
    result = fn(tok, collate_examples(tok, seed, shapes))
    if not isinstance(result, Mapping):
        raise StudentError(f"collate must return a dict of tensors; found "
                           f"{type(result).__name__}")
    missing = [key for key in BATCH_KEYS if key not in result]
    if missing:
        raise StudentError(f"collate must return the keys {list(BATCH_KEYS)}; missing {missing} "
                           f"(found {sorted(map(str, result))[:8]})")
    return {key: _tensor(result[key], key) for key in BATCH_KEYS}


# ---- normalize, exact_match -------------------------------------------------------------------


def normalized(ns: Mapping[str, Any], *, texts: list[str]) -> PlainData:
    """``normalize`` on each text."""
    fn = _function(ns, "normalize", "normalize(text) -> str")
    out = []
    for text in texts:
        value = fn(text)
        if not isinstance(value, str):
            raise StudentError(f"normalize must return a str; normalize({text!r}) returned "
                               f"{type(value).__name__}")
        out.append(value)
    return {"normalized": out}


def matches(ns: Mapping[str, Any], *, pairs: list[list[str]]) -> PlainData:
    """``exact_match(response, reference)`` on each pair."""
    import numpy as np

    fn = _function(ns, "exact_match", "exact_match(response, reference) -> bool")
    out = []
    for response, reference in pairs:
        value = fn(response, reference)
        if not isinstance(value, (bool, np.bool_)):
            raise StudentError(f"exact_match must return a bool; exact_match({response!r}, "
                               f"{reference!r}) returned {type(value).__name__}")
        out.append(bool(value))
    return {"matches": out}
