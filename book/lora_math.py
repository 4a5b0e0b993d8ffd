"""LoRA arithmetic: how many parameters an adapter adds, its scale, and training memory.

Chapter 5 checks every function here against what peft and torch actually do; the point of
keeping them separate is that the formulas stay short enough to read, and the chapter's
calculator can evaluate them for models too large to build (LLaMA-7B) in a static web page.

Notation, as in the chapter: a weight maps ``d`` input features to ``k`` output features.
LoRA (Hu et al. 2021) learns ``Delta W = s * B A`` with ``A`` of shape ``r x d`` and ``B``
of shape ``k x r``, so one adapted matrix costs ``r * (d + k)`` trainable parameters.
Memory figures are bytes (1 MB = 1e6 bytes, 1 GB = 1e9 bytes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from torch import nn
from transformers.pytorch_utils import Conv1D

BYTES_PER_PARAM: dict[str, float] = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0}
"""Storage of one parameter in the plain floating-point formats the course uses."""

ADAM_STATES = 2
"""Adam keeps two tensors per trainable parameter: the first and second moment estimates."""


def _check_rank(r: int) -> None:
    if isinstance(r, bool) or not isinstance(r, int) or r < 1:
        raise ValueError(f"LoRA rank r must be an integer >= 1; found {r!r}")


def _check_dtype(dtype: str) -> float:
    if dtype not in BYTES_PER_PARAM:
        raise ValueError(f"dtype must be one of {sorted(BYTES_PER_PARAM)}; found {dtype!r}")
    return BYTES_PER_PARAM[dtype]


def lora_params(d: int, k: int, r: int) -> int:
    """Trainable parameters of one rank-``r`` adapter on a ``d``-in, ``k``-out matrix: r(d+k).

    ``A`` (r x d) plus ``B`` (k x r); the d*k entries of ``Delta W`` are never stored, which
    is the whole saving: r(d+k) instead of d*k.
    """
    _check_rank(r)
    if d < 1 or k < 1:
        raise ValueError(f"matrix dimensions must be >= 1; found d={d}, k={k}")
    return r * (d + k)


def lora_param_count(shapes: Iterable[tuple[int, int]], r: int) -> int:
    """Trainable parameters of rank-``r`` adapters on every ``(d, k)`` matrix in ``shapes``."""
    return sum(lora_params(d, k, r) for d, k in shapes)


def in_out_features(module: nn.Module) -> tuple[int, int]:
    """``(d, k)`` = (input features, output features) of a ``Linear`` or GPT-2 ``Conv1D``.

    Why both: ``nn.Linear`` stores its weight as ``[k, d]`` (out, in) but transformers'
    ``Conv1D`` (GPT-2's attention and MLP) stores ``[d, k]`` (in, out). Reading
    ``weight.shape`` without knowing which one you hold swaps d and k.
    """
    if isinstance(module, nn.Linear):
        return module.in_features, module.out_features
    if isinstance(module, Conv1D):
        d, k = module.weight.shape
        return int(d), int(k)
    raise TypeError(f"expected an nn.Linear or transformers Conv1D; found {type(module).__name__}")


def matches_target(name: str, target: str) -> bool:
    """Whether module ``name`` is selected by ``target`` the way peft's list matching does it.

    peft selects a module when its full name equals the target or ends with ``"." + target``;
    so ``"c_proj"`` selects both ``attn.c_proj`` and ``mlp.c_proj`` in GPT-2.
    """
    return name == target or name.endswith("." + target)


def target_shapes(model: nn.Module, targets: Sequence[str]) -> dict[str, tuple[int, int]]:
    """``{module name: (d, k)}`` for every module that a peft ``target_modules`` list selects.

    Works on models built on the ``meta`` device too (shapes without memory), which is how the
    chapter gets LLaMA-7B's matrices on a laptop.
    """
    if not targets:
        raise ValueError("targets must name at least one module; found an empty list")
    shapes = {
        name: in_out_features(module)
        for name, module in model.named_modules()
        if any(matches_target(name, t) for t in targets)
    }
    if not shapes:
        raise ValueError(f"no module of {type(model).__name__} matches any of {list(targets)}")
    return shapes


@dataclass(frozen=True)
class AdapterSize:
    """What the calculator shows for one (model, targets, r) choice."""

    trainable: int
    base_params: int

    @property
    def share(self) -> float:
        """Trainable share of all parameters once the adapter is attached (peft's trainable%)."""
        return self.trainable / (self.base_params + self.trainable)

    def megabytes(self, dtype: str) -> float:
        """Size of the saved adapter in MB (1e6 bytes) when stored as ``dtype``."""
        return self.trainable * _check_dtype(dtype) / 1e6


def adapter_size(base_params: int, shapes: Iterable[tuple[int, int]], r: int) -> AdapterSize:
    """Trainable parameters and share of a rank-``r`` adapter on ``shapes`` of a base model."""
    if base_params < 1:
        raise ValueError(f"base_params must be >= 1; found {base_params}")
    return AdapterSize(trainable=lora_param_count(shapes, r), base_params=base_params)


def lora_scaling(alpha: float, r: int, *, rslora: bool = False) -> float:
    """The factor ``s`` in ``h = W x + s * B A x``: alpha/r (Hu et al.), alpha/sqrt(r) (rsLoRA).

    Kalajdzievski (2023) shows alpha/r shrinks the update as r grows, so large ranks learn
    slower; alpha/sqrt(r) keeps its size independent of r. peft uses the latter when
    ``LoraConfig(use_rslora=True)``.
    """
    _check_rank(r)
    return alpha / math.sqrt(r) if rslora else alpha / r


def nf4_bytes_per_param(
    *, block_size: int = 64, double_quant: bool = True, second_block_size: int = 256
) -> float:
    """Bytes per weight of 4-bit NormalFloat storage, quantization constants included.

    QLoRA (Dettmers et al. 2023, section 3): each block of ``block_size`` weights keeps one
    fp32 absmax constant, 32/64 = 0.5 extra bits per weight. Double quantization stores those
    constants in 8 bits with one fp32 constant per ``second_block_size`` of them:
    8/64 + 32/(64*256) = 0.127 extra bits.
    """
    if block_size < 1 or second_block_size < 1:
        raise ValueError(
            f"block sizes must be >= 1; found {block_size} and {second_block_size}"
        )
    if double_quant:
        overhead_bits = 8 / block_size + 32 / (block_size * second_block_size)
    else:
        overhead_bits = 32 / block_size
    return (4 + overhead_bits) / 8


@dataclass(frozen=True)
class Footprint:
    """Training memory (bytes) of weights, gradients and Adam states; activations excluded."""

    method: str
    weights: float
    gradients: float
    optimizer: float

    @property
    def total(self) -> float:
        return self.weights + self.gradients + self.optimizer


def training_footprint(
    method: str,
    *,
    frozen_weight_bytes: float,
    n_trainable: int,
    trainable_dtype: str,
    optimizer_dtype: str = "fp32",
) -> Footprint:
    """Memory for weights, gradients and Adam states of one training setup.

    Only trainable parameters get a gradient and Adam's two states: a frozen weight costs its
    storage and nothing else. Gradients are kept in the trainable weights' dtype. Excluded on
    purpose (they depend on batch, sequence length and implementation, not on the method's
    arithmetic): activations, temporary buffers, the CUDA context, fp32 master copies.
    """
    if frozen_weight_bytes < 0 or n_trainable < 0:
        raise ValueError(
            "frozen_weight_bytes and n_trainable must be >= 0; found "
            f"{frozen_weight_bytes} and {n_trainable}"
        )
    per_weight = _check_dtype(trainable_dtype)
    return Footprint(
        method=method,
        weights=frozen_weight_bytes + n_trainable * per_weight,
        gradients=n_trainable * per_weight,
        optimizer=n_trainable * ADAM_STATES * _check_dtype(optimizer_dtype),
    )
