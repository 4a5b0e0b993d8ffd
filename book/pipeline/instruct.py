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

import json
import re
import string
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    EarlyStoppingCallback,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
)
from transformers.trainer_utils import get_last_checkpoint

from book.models import load_causal_lm
from book.pipeline.classify import RUN_FILE, run_info
from book.train import count_parameters, seed_everything

IGNORE_INDEX = -100
"""The label ``torch.nn.CrossEntropyLoss`` skips (its ``ignore_index`` default)."""

PROMPT = "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n"
"""Alpaca's section headers (Taori et al. 2023) without its one-sentence preamble, which costs
about 30 tokens: the kit model has 128 positions. With no input, the Input section is left out,
as Alpaca does."""
PROMPT_NO_INPUT = "### Instruction:\n{instruction}\n\n### Response:\n"

ALPACA_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}"
    "### Instruction:\n{{ message['content'] }}\n\n"
    "{% if message.get('input') %}### Input:\n{{ message['input'] }}\n\n{% endif %}"
    "{% elif message['role'] == 'assistant' %}"
    "### Response:\n{{ message['content'] }}{{ eos_token }}"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}### Response:\n{% endif %}"
)
"""The same format as a chat template (Jinja), the way instruction-tuned models ship theirs in
``tokenizer_config.json``: a user message (with an optional ``input`` field) renders as the
prompt, ``add_generation_prompt=True`` adds the response header, and an assistant message
ends with EOS. :func:`finetune` saves it with the tokenizer, so
``tokenizer.apply_chat_template`` works on a tuned model's folder."""

INSTRUCT_FIELDS = {"instruction": (str,), "input": (str,), "output": (str,)}
"""What a JSONL row of instruction data must have (``input`` may be the empty string)."""


def format_prompt(instruction: str, input: str = "") -> str:
    """The prompt the model sees; the response follows right after its last newline."""
    if input.strip():
        return PROMPT.format(instruction=instruction.strip(), input=input.strip())
    return PROMPT_NO_INPUT.format(instruction=instruction.strip())


def build_example(tokenizer: PreTrainedTokenizerBase, prompt: str, response: str,
                  max_length: int, *, mask_prompt: bool = True) -> dict[str, list[int]]:
    """``input_ids`` = prompt + response + EOS, ``labels`` = ``-100`` on the prompt, the ids on
    the response and EOS (``mask_prompt=False``: the ids on the prompt too, the pitfall
    Chapter 7 measures).

    The prompt and the response are tokenized separately and concatenated, so the boundary is
    exact (tokenizing the joined string can merge the last prompt token with the first
    response token). If the example is too long, the *prompt* is cut from the left: the
    response is what the model learns from.
    """
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    response_ids = tokenizer(response, add_special_tokens=False)["input_ids"]
    response_ids = [*response_ids, tokenizer.eos_token_id][:max_length]
    prompt_ids = prompt_ids[max(0, len(prompt_ids) + len(response_ids) - max_length):]
    prompt_labels = [IGNORE_INDEX] * len(prompt_ids) if mask_prompt else prompt_ids
    return {"input_ids": prompt_ids + response_ids, "labels": prompt_labels + response_ids}


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
             temperature: float = 1.0, top_p: float = 1.0, seed: int = 0,
             stop_at_eos: bool = True) -> list[dict[str, Any]]:
    """The model's response to each prompt: ``{"response", "new_tokens", "seconds"}``.

    Prompts are padded on the **left**, so every row's last real token is at the same position
    and the new tokens follow it directly. Generation stops at EOS (``eos_token_id``) or after
    ``max_new_tokens`` (``stop_at_eos=False``: only at ``max_new_tokens``, to show what EOS is
    for). Greedy unless ``do_sample``. A prompt longer than the model's positions
    leave room for is cut from the left: its end ("### Response:") must stay.
    """
    model.eval()
    side, truncation_side = tokenizer.padding_side, tokenizer.truncation_side
    tokenizer.padding_side = tokenizer.truncation_side = "left"
    room = getattr(model.config, "max_position_embeddings", None)
    room = max(1, room - max_new_tokens) if room else None
    torch.manual_seed(seed)
    results = []
    try:
        for start in range(0, len(prompts), batch_size):
            chunk = list(prompts[start:start + batch_size])
            batch = tokenizer(chunk, return_tensors="pt", padding=True, add_special_tokens=False,
                              truncation=room is not None, max_length=room)
            began = time.perf_counter()
            sampling = {"temperature": temperature, "top_p": top_p} if do_sample else {}
            stop = tokenizer.eos_token_id if stop_at_eos else []
            out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=do_sample,
                                 pad_token_id=tokenizer.pad_token_id, eos_token_id=stop,
                                 **sampling)
            seconds = (time.perf_counter() - began) / len(chunk)
            for row in out[:, batch["input_ids"].shape[1]:]:
                ids = row.tolist()
                if stop_at_eos and tokenizer.eos_token_id in ids:
                    ids = ids[:ids.index(tokenizer.eos_token_id)]
                ids = [i for i in ids if i != tokenizer.pad_token_id]
                results.append({"response": tokenizer.decode(ids, skip_special_tokens=True),
                                "new_tokens": len(ids), "seconds": seconds})
    finally:
        tokenizer.padding_side, tokenizer.truncation_side = side, truncation_side
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


# ---- training, saving, loading ------------------------------------------------------------------


@dataclass
class InstructRecipe:
    """The knobs of one instruction-tuning run. ``method`` is ``"lora"`` or ``"full"``.

    The LoRA defaults were measured on the kit model (docs/research/lora_on_the_kit_model.md):
    adapters alone stayed at the majority answer, because the output layer is the (tied, frozen)
    token embedding and cannot make the answer tokens likely; training the rows of the tokens
    that occur in the answers (``train_answer_tokens``, peft's ``trainable_token_indices``)
    fixed it, at a learning rate of 1e-2 (1e-3 learned almost nothing, 3e-2 diverged).
    """

    method: str = "lora"
    rank: int = 8
    alpha: int = 16
    target_modules: str | list[str] = "all-linear"
    """peft's ``"all-linear"``: every linear layer but the output head, whatever the model
    calls them (GPT-2's ``c_attn``/``c_proj``/``c_fc``, Llama's ``q_proj``...)."""
    train_answer_tokens: bool = True
    """LoRA only: also train the embedding rows of the tokens in the training outputs (+ EOS)."""
    lr: float | None = None
    """``None``: 1e-2 for LoRA, 1e-3 for full fine-tuning."""
    epochs: int = 10
    batch_size: int = 16
    max_length: int = 128
    patience: int = 3
    seed: int = 0

    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else (1e-2 if self.method == "lora" else 1e-3)


def to_examples(rows: Sequence[dict[str, Any]], tokenizer: PreTrainedTokenizerBase,
                max_length: int, *, mask_prompt: bool = True):
    """A ``datasets.Dataset`` of :func:`build_example` outputs, one per row."""
    from datasets import Dataset

    built = [build_example(tokenizer, format_prompt(r["instruction"], r["input"]), r["output"],
                           max_length, mask_prompt=mask_prompt) for r in rows]
    return Dataset.from_list(built)


def answer_token_ids(rows: Sequence[dict[str, Any]],
                     tokenizer: PreTrainedTokenizerBase) -> list[int]:
    """The ids of every token in the rows' outputs, and EOS: the rows of the embedding that
    :class:`InstructRecipe`'s ``train_answer_tokens`` trains."""
    ids = {tokenizer.eos_token_id}
    for row in rows:
        ids.update(tokenizer(row["output"], add_special_tokens=False)["input_ids"])
    return sorted(ids)


def apply_lora(model, recipe: InstructRecipe, token_ids: Sequence[int] | None = None):
    """``get_peft_model`` with the recipe's rank, alpha and targets; ``token_ids``: embedding
    rows to train too (peft applies them to a tied output layer as well)."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=recipe.rank, lora_alpha=recipe.alpha, lora_dropout=0.05,
                        target_modules=recipe.target_modules, task_type="CAUSAL_LM",
                        trainable_token_indices=list(token_ids) if token_ids else None)
    return get_peft_model(model, config)


def finetune(train_rows: Sequence[dict[str, Any]], validation_rows: Sequence[dict[str, Any]],
             base_model: str, output_dir, recipe: InstructRecipe, *, resume: bool = False,
             progress: bool = False, extra_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Instruction-tune ``base_model`` (LoRA or full), early-stopped on the validation loss;
    save the adapter (LoRA) or the whole model (full) with the tokenizer to ``output_dir``.

    Returns the run info written to ``ftcourse.json``.
    """
    if recipe.method not in ("lora", "full"):
        raise ValueError(f"method must be 'lora' or 'full'; found {recipe.method!r}")
    output_dir = Path(output_dir)
    checkpoints = output_dir / "checkpoints"
    seed_everything(recipe.seed)
    model, tokenizer = load_causal_lm(base_model)
    max_length = min(recipe.max_length, model.config.max_position_embeddings)
    if recipe.method == "lora":
        tokens = answer_token_ids(train_rows, tokenizer) if recipe.train_answer_tokens else None
        model = apply_lora(model, recipe, tokens)
    params = count_parameters(model)
    args = TrainingArguments(
        output_dir=str(checkpoints), num_train_epochs=recipe.epochs,
        learning_rate=recipe.learning_rate(),
        per_device_train_batch_size=recipe.batch_size, per_device_eval_batch_size=64,
        lr_scheduler_type="linear", warmup_steps=0.1, weight_decay=0.0,
        eval_strategy="epoch", save_strategy="epoch", save_total_limit=2,
        load_best_model_at_end=True, metric_for_best_model="eval_loss", greater_is_better=False,
        logging_strategy="epoch", seed=recipe.seed, data_seed=recipe.seed,
        use_cpu=not torch.cuda.is_available(), report_to="none", disable_tqdm=not progress,
        dataloader_num_workers=0, remove_unused_columns=False,
    )
    trainer = Trainer(
        model=model, args=args,
        train_dataset=to_examples(train_rows, tokenizer, max_length),
        eval_dataset=to_examples(validation_rows, tokenizer, max_length),
        data_collator=PaddingCollator(tokenizer), processing_class=tokenizer,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=recipe.patience)],
    )
    last = get_last_checkpoint(checkpoints) if resume and checkpoints.is_dir() else None
    trainer.train(resume_from_checkpoint=last)
    history = [{"epoch": h["epoch"], "eval_loss": h["eval_loss"]}
               for h in trainer.state.log_history if "eval_loss" in h]
    trainer.model.save_pretrained(output_dir)
    tokenizer.chat_template = ALPACA_CHAT_TEMPLATE  # the format it was tuned with, not the base's
    tokenizer.save_pretrained(output_dir)
    info = {"task": "instruct", "base_model": base_model, "method": recipe.method,
            "template": "alpaca-headers", "max_length": max_length, "recipe": asdict(recipe),
            "trainable_parameters": params.trainable, "total_parameters": params.total,
            "epochs_run": float(trainer.state.epoch or 0), "history": history,
            "resumed_from": Path(last).name if last else None, **(extra_info or {})}
    (output_dir / RUN_FILE).write_text(json.dumps(info, indent=2) + "\n")
    return info


def load(folder_or_name: str):
    """``(model, tokenizer, info)``: a folder from :func:`finetune` (an adapter is loaded on top
    of its base model), or a registry name / role for the base model itself."""
    folder = Path(folder_or_name)
    info = run_info(folder) if folder.is_dir() else {}
    if not info:
        model, tokenizer = load_causal_lm(folder_or_name)
        return model.eval(), tokenizer, {"task": "instruct", "base_model": folder_or_name}
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if (folder / "adapter_config.json").is_file():
        from peft import PeftModel

        base, _ = load_causal_lm(info["base_model"])
        model = PeftModel.from_pretrained(base, folder)
    else:
        model = AutoModelForCausalLM.from_pretrained(folder)
    return model.eval(), tokenizer, info
