"""Short model names -> hub id (online) or offline-kit folder, and loaders that use them.

Chapters never hard-code where a model comes from. They ask for a short name::

    model, tokenizer = load_causal_lm("gpt2")

With ``FTCOURSE_SOURCE=hub`` that loads ``openai-community/gpt2`` from the Hugging Face Hub;
offline (the default: CI, the site, workshops) it loads the kit's small pre-trained GPT-2
(``kit-lm``) that stands in for it. Either way the call underneath is the one a student would
write, ``AutoModel….from_pretrained(name_or_dir)``, so nothing here hides how loading works.

Memory figures are for float32 weights; they exclude activations, which grow with batch size
and sequence length. Full fine-tuning with AdamW keeps weights, gradients and two moment
estimates per parameter: 4 + 4 + 8 = 16 bytes (the same 16 bytes as mixed-precision Adam in
Rajbhandari et al. 2020, "ZeRO", https://arxiv.org/abs/1910.02054, section 3.1).

LoRA (Hu et al. 2021, https://arxiv.org/abs/2106.09685) freezes the weights and trains small
low-rank adapters, so only the adapters need gradients and AdamW moments: the frozen weights
cost 4 bytes per parameter, the adapters 16 bytes per *adapter* parameter. The course's
estimate takes adapters of ``LORA_SHARE`` (1 %) of the model's parameters, which is what rank 8
on every linear layer costs GPT-2 small (0.95 %; Llama-2-7B's is 0.30 %, so the figure errs on
the high side there): ``params * (4 + 0.01 * 16)`` bytes. That is where Hu et al.'s
"up to 2/3 less VRAM" in training comes from (GPT-3 175B: 1.2 TB -> 350 GB, section 4.2). The
same exclusion holds: activations are not counted, and with LoRA they are most of what is left.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from book import kit
from book.config import cache_dir, shown_path, source

BYTES_INFERENCE = 4
"""float32 weights."""
BYTES_FULL_FINETUNE = 16
"""float32 weights + gradients + AdamW's two moments."""
LORA_SHARE = 0.01
"""Adapter parameters as a share of the model's, for the LoRA estimate: rank 8 on every linear
layer is 0.95 % of GPT-2 small and 0.30 % of Llama-2-7B (counted with peft's
``get_peft_model``); a higher rank scales it linearly."""

KIT_LM = "kit-lm"


@dataclass(frozen=True)
class ModelSpec:
    """What the course needs to know about one model before loading it."""

    name: str
    hub_id: str | None
    """``None`` for models that exist only in the offline kit."""
    params: int
    kind: Literal["causal", "encoder"]
    cpu_ok: bool
    """Full fine-tuning on a laptop CPU (16 GB RAM) is practical, if slow."""
    offline: str
    """Registry name of the kit model that stands in for it offline."""
    note: str = ""

    @property
    def inference_gb(self) -> float:
        return round(self.params * BYTES_INFERENCE / 1e9, 3)

    @property
    def finetune_gb(self) -> float:
        return round(self.params * BYTES_FULL_FINETUNE / 1e9, 3)

    @property
    def lora_finetune_gb(self) -> float:
        """Frozen float32 weights (4 bytes each) + adapters of ``LORA_SHARE`` of the parameters
        with their gradients and AdamW moments (16 bytes each); activations excluded."""
        adapters = self.params * LORA_SHARE
        return round((self.params * BYTES_INFERENCE + adapters * BYTES_FULL_FINETUNE) / 1e9, 3)


def _spec(name: str, hub_id: str | None, params: int, kind: Literal["causal", "encoder"],
          cpu_ok: bool, note: str) -> ModelSpec:
    return ModelSpec(name, hub_id, params, kind, cpu_ok, KIT_LM, note)


# Parameter counts: ``num_parameters()`` of each architecture built from its hub config.
REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        _spec(KIT_LM, None, kit.PRESETS[kit.DEFAULT_PRESET].params(), "causal", True,
              "GPT-2 architecture pre-trained by `python -m book.kit build` on Python's "
              "documentation and reviews; offline only"),
        _spec("gpt2", "openai-community/gpt2", 124_439_808, "causal", True,
              "GPT-2 small (Radford et al. 2019)"),
        _spec("distilgpt2", "distilbert/distilgpt2", 81_912_576, "causal", True,
              "6-layer GPT-2 distilled from gpt2"),
        _spec("smollm2-135m", "HuggingFaceTB/SmolLM2-135M", 134_515_008, "causal", True,
              "Llama architecture, 30 layers; strong for its size"),
        _spec("qwen2.5-0.5b", "Qwen/Qwen2.5-0.5B", 494_032_768, "causal", True,
              "slow on CPU for full fine-tuning; LoRA is the practical route"),
        _spec("distilbert", "distilbert/distilbert-base-uncased", 66_362_880, "encoder", True,
              "masked-LM encoder; offline, the kit tokenizer (it has <mask>) stands in for "
              "masking demos, but the kit model is causal"),
        _spec("llama-2-7b", "meta-llama/Llama-2-7b-hf", 6_738_415_616, "causal", False,
              "gated on the hub (accept the licence); needs a GPU, and LoRA/QLoRA to fit"),
    )
}


@dataclass(frozen=True)
class Role:
    """A part a model plays in the course, filled by the kit offline and a hub model online."""

    offline: str
    hub: str
    purpose: str


ROLES: dict[str, Role] = {
    "course-lm": Role(KIT_LM, "gpt2", "the causal LM the chapters sample from and fine-tune"),
    "classifier-base": Role(KIT_LM, "gpt2",
                            "the pre-trained body under a fresh classification head"),
}
"""Pages and commands name models by role, so ``FTCOURSE_SOURCE=hub`` really swaps the model:
GPT-2 small (124 M parameters) fine-tunes on a laptop CPU in minutes per thousand examples."""


def for_role(role: str) -> str:
    """The registry name that plays ``role`` under the current source."""
    if role not in ROLES:
        raise KeyError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return ROLES[role].hub if source() == "hub" else ROLES[role].offline


def describe(name: str) -> str:
    """What ``name`` loads, for printing on a page: names and hub ids, never a local path."""
    registered = for_role(name) if name in ROLES else name
    if Path(name).expanduser().is_dir():
        return f"a local folder ({Path(name).name})"
    spec = get(registered)
    where = spec.hub_id if source() == "hub" and spec.hub_id else "the offline kit"
    prefix = f"{name} = " if name in ROLES else ""
    return f"{prefix}{registered} ({where})"


def get(name: str) -> ModelSpec:
    """The spec for a registry name or the hub id of a registered model."""
    if name in REGISTRY:
        return REGISTRY[name]
    for spec in REGISTRY.values():
        if spec.hub_id == name:
            return spec
    raise KeyError(
        f"unknown model {name!r}; expected a role ({', '.join(ROLES)}), a registry name "
        f"({', '.join(REGISTRY)}), the hub id of one of them, or a local folder saved with "
        "save_pretrained"
    )


def resolve(name: str) -> str:
    """What to pass to ``from_pretrained`` for ``name`` under the current source.

    - an existing local folder: itself, unchanged (a model you saved, a checkpoint);
    - ``FTCOURSE_SOURCE=hub``: the registered hub id; an unregistered ``owner/model`` id is
      passed through, so students can try any hub model;
    - offline: the kit folder of the stand-in model, building the kit first if needed.
    """
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    if name in ROLES:
        name = for_role(name)
    hub = source() == "hub"
    try:
        spec = get(name)
    except KeyError:
        if hub and "/" in name:
            return name
        if "/" in name:
            raise KeyError(
                f"{name!r} is not in the offline kit; set FTCOURSE_SOURCE=hub to load it "
                f"from the Hugging Face Hub, or use one of {', '.join(REGISTRY)}"
            ) from None
        raise
    if hub and spec.hub_id is not None:
        return spec.hub_id
    _show_cache_paths_relative()  # transformers' load report would print the kit's full path
    return str(kit.ensure().lm)  # the one kit model stands in for every registered model


def _registered_kind(name: str) -> str | None:
    try:
        return get(name).kind
    except KeyError:
        return None


def _tokenizer(path: str):
    """The tokenizer, with a padding token: GPT-2's has none, and batching needs one."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


class _CachePathsShown(logging.Filter):
    """Rewrite the course cache's absolute path in transformers' log lines ("LOAD REPORT from:
    /home/.../.cache/kit/lm") as ``config.shown_path`` prints it: pages show no build paths."""

    def filter(self, record: logging.LogRecord) -> bool:
        cache = str(cache_dir())
        if isinstance(record.msg, str) and cache in record.msg:
            record.msg = record.msg.replace(cache, shown_path(cache))
        return True


def _show_cache_paths_relative() -> None:
    from transformers.utils import logging as hf_logging

    for handler in hf_logging.get_logger().handlers:  # the library's root handler
        if not any(isinstance(f, _CachePathsShown) for f in handler.filters):
            handler.addFilter(_CachePathsShown())


def load_causal_lm(name: str, **kwargs: Any):
    """``(model, tokenizer)`` for next-token prediction; ``kwargs`` go to ``from_pretrained``."""
    from transformers import AutoModelForCausalLM

    if _registered_kind(name) == "encoder" and not Path(name).is_dir():
        raise ValueError(
            f"{name!r} is an encoder (masked LM), not a causal LM; use load_sequence_classifier "
            "or a causal model such as 'gpt2'"
        )
    path = resolve(name)
    tokenizer = _tokenizer(path)
    kwargs.setdefault("pad_token_id", tokenizer.pad_token_id)
    model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    if getattr(model, "loss_type", None) is None:
        # transformers 5.23 infers loss_type from the class name, and "GPT2LMHeadModel" does not
        # match "ForCausalLM". Trainer then counts every label token, including each row's
        # first one that is never predicted, and scales GPT-2 losses by N / (N + rows).
        model.loss_type = "ForCausalLM"
    return model, tokenizer


def load_sequence_classifier(name: str, num_labels: int, **kwargs: Any):
    """``(model, tokenizer)`` with a fresh ``num_labels``-way classification head.

    The head is randomly initialised (``from_pretrained`` says so in its load report); the
    body keeps its pre-trained weights. For decoder models the classifier reads the last
    non-padding token, which it finds through ``pad_token_id``, so that is always set.
    """
    from transformers import AutoModelForSequenceClassification

    if not isinstance(num_labels, int) or num_labels < 1:
        raise ValueError(f"num_labels must be a positive int; found {num_labels!r}")
    path = resolve(name)
    tokenizer = _tokenizer(path)
    kwargs.setdefault("pad_token_id", tokenizer.pad_token_id)
    model = AutoModelForSequenceClassification.from_pretrained(
        path, num_labels=num_labels, **kwargs
    )
    return model, tokenizer


def registry_table() -> list[dict[str, Any]]:
    """One row per model, for the site's "which model can I use?" table."""
    return [
        {
            "name": spec.name,
            "hub_id": spec.hub_id or "(offline kit only)",
            "params_millions": round(spec.params / 1e6, 2),
            "kind": spec.kind,
            "inference_gb": spec.inference_gb,
            "lora_finetune_gb": spec.lora_finetune_gb,
            "full_finetune_gb": spec.finetune_gb,
            "cpu_ok": spec.cpu_ok,
            "offline_stand_in": spec.offline,
            "note": spec.note,
        }
        for spec in REGISTRY.values()
    ]
