"""Drivers of the ``lora_layer`` exercise: they run next to the student's code.

A case is a seeded base ``nn.Linear``, seeded adapter weights A (r x in) and B (out x r,
non-zero so that the update is visible) and a seeded input batch. The drivers wrap the base
with the student's ``LoRALinear``, copy A and B into ``lora_A``/``lora_B`` where a check needs
known weights, and return plain data (see ``autograde.spec``). ``make_case`` is public: the
judges that compare with peft rebuild the same case in the grader process.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from autograde.exercise import describe_exception
from autograde.spec import PlainData, StudentError

SIGNATURE = "LoRALinear(base: nn.Linear, r: int, alpha: float)"


@dataclass(frozen=True)
class Case:
    """Everything one check feeds the layer: base layer, adapter weights and inputs."""

    base: nn.Linear
    lora_A: torch.Tensor
    lora_B: torch.Tensor
    x: torch.Tensor
    probe: torch.Tensor
    """Fixed weights of a scalar loss ``(output * probe).sum()`` for gradient checks."""


def make_case(seed: int, in_features: int, out_features: int, r: int, batch: int) -> Case:
    """A reproducible case: every tensor comes from one seeded CPU generator."""
    g = torch.Generator().manual_seed(seed)
    base = nn.Linear(in_features, out_features)
    with torch.no_grad():
        weight = torch.randn(out_features, in_features, generator=g) / math.sqrt(in_features)
        base.weight.copy_(weight)
        base.bias.copy_(0.1 * torch.randn(out_features, generator=g))
    return Case(
        base=base,
        lora_A=torch.randn(r, in_features, generator=g) / math.sqrt(in_features),
        lora_B=torch.randn(out_features, r, generator=g) / math.sqrt(r),
        x=torch.randn(batch, in_features, generator=g),
        probe=torch.randn(batch, out_features, generator=g),
    )


def _wrap(ns: Mapping[str, Any], base: nn.Linear, r: int, alpha: float, seed: int) -> nn.Module:
    cls = ns.get("LoRALinear")
    if not callable(cls):
        raise StudentError(f"define a class {SIGNATURE}; found {type(cls).__name__}")
    torch.manual_seed(seed)  # the student's own random init of A is reproducible too
    module = cls(base, r, alpha)
    if not isinstance(module, nn.Module):
        raise StudentError(f"LoRALinear must subclass nn.Module; found {type(module).__name__}")
    return module


def _adapter(module: nn.Module, name: str, shape: tuple[int, int], meaning: str) -> nn.Parameter:
    value = getattr(module, name, None)
    if not isinstance(value, nn.Parameter):
        raise StudentError(
            f"LoRALinear.{name} should be an nn.Parameter of shape {list(shape)} ({meaning}); "
            f"found {type(value).__name__}"
        )
    if tuple(value.shape) != shape:
        raise StudentError(
            f"LoRALinear.{name} should have shape {list(shape)} ({meaning}); "
            f"found {list(value.shape)} — is the rank on the wrong side?"
        )
    return value


def _wrap_with_weights(ns: Mapping[str, Any], case: Case, r: int, alpha: float) -> nn.Module:
    """Wrap the case's base and overwrite A and B with the case's (known) adapter weights."""
    module = _wrap(ns, case.base, r, alpha, seed=0)
    out_features, in_features = case.base.weight.shape
    lora_a = _adapter(module, "lora_A", (r, in_features), "r x in_features")
    lora_b = _adapter(module, "lora_B", (out_features, r), "out_features x r")
    with torch.no_grad():
        lora_a.copy_(case.lora_A)
        lora_b.copy_(case.lora_B)
    return module


def _output(module: nn.Module, x: torch.Tensor, out_features: int, what: str) -> torch.Tensor:
    y = module(x)
    expected = (x.shape[0], out_features)
    if not isinstance(y, torch.Tensor) or tuple(y.shape) != expected:
        found = list(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise StudentError(
            f"{what} should return a tensor of shape {list(expected)}; found {found}"
        )
    return y


def init_state(
    ns: Mapping[str, Any], *, seed: int, in_features: int, out_features: int, r: int,
    alpha: float, batch: int = 4,
) -> PlainData:
    """What a freshly wrapped layer looks like: trainable parameters, A and B, the output.

    A failing ``forward`` is reported in ``forward_error`` rather than raised, so that the
    checks about ``__init__`` still score a layer whose ``forward`` is not written yet.
    """
    case = make_case(seed, in_features, out_features, r, batch)
    reference_base = copy.deepcopy(case.base)
    module = _wrap(ns, case.base, r, alpha, seed)
    change, forward_error = None, None
    try:
        with torch.no_grad():
            output = _output(module, case.x, out_features, "forward")
            change = (output - reference_base(case.x)).abs().max().item()
    except Exception as exc:  # reported to the judge that needs the output
        forward_error = describe_exception(exc)
    lora_a, lora_b = (getattr(module, name, None) for name in ("lora_A", "lora_B"))
    is_tensor = isinstance(lora_a, torch.Tensor), isinstance(lora_b, torch.Tensor)
    scaling = getattr(module, "scaling", None)
    return {
        "trainable": {n: list(p.shape) for n, p in module.named_parameters() if p.requires_grad},
        "trainable_count": sum(p.numel() for p in module.parameters() if p.requires_grad),
        "lora_A_shape": list(lora_a.shape) if is_tensor[0] else None,
        "lora_B_shape": list(lora_b.shape) if is_tensor[1] else None,
        "lora_A_max_abs": lora_a.detach().abs().max().item() if is_tensor[0] else None,
        "lora_A_std": lora_a.detach().std().item() if is_tensor[0] else None,
        "lora_B_max_abs": lora_b.detach().abs().max().item() if is_tensor[1] else None,
        "scaling": float(scaling) if isinstance(scaling, (int, float, torch.Tensor)) else None,
        "output_change_at_init": change,
        "forward_error": forward_error,
    }


def forward(
    ns: Mapping[str, Any], *, seed: int, in_features: int, out_features: int, r: int,
    alpha: float, batch: int = 3,
) -> PlainData:
    """The layer's output with the case's A and B (B non-zero), as a [batch][out] list."""
    case = make_case(seed, in_features, out_features, r, batch)
    module = _wrap_with_weights(ns, case, r, alpha)
    with torch.no_grad():
        return _output(module, case.x, out_features, "forward").tolist()


def gradients_at_zero_b(
    ns: Mapping[str, Any], *, seed: int, in_features: int, out_features: int, r: int,
    alpha: float, batch: int = 3,
) -> PlainData:
    """Gradients of ``(output * probe).sum()`` with the case's A and B = 0 (as at init)."""
    case = make_case(seed, in_features, out_features, r, batch)
    module = _wrap_with_weights(ns, case, r, alpha)
    with torch.no_grad():
        module.lora_B.zero_()
    (_output(module, case.x, out_features, "forward") * case.probe).sum().backward()
    grad_a, grad_b = module.lora_A.grad, module.lora_B.grad
    return {
        "lora_A": None if grad_a is None else grad_a.tolist(),
        "lora_B": None if grad_b is None else grad_b.tolist(),
        "base_weight_has_grad": case.base.weight.grad is not None,
    }


def merge(
    ns: Mapping[str, Any], *, seed: int, in_features: int, out_features: int, r: int,
    alpha: float, batch: int = 3,
) -> PlainData:
    """``merge()`` twice: merged weights and outputs, and the layer's output before/after."""
    case = make_case(seed, in_features, out_features, r, batch)
    module = _wrap_with_weights(ns, case, r, alpha)
    with torch.no_grad():
        before = _output(module, case.x, out_features, "forward").tolist()
        first = _merged(module)
        # read the first merged layer before merging again: a wrong merge() may mutate it
        weight, first_output = first.weight.tolist(), first(case.x).tolist()
        has_bias = first.bias is not None
        second_output = _merged(module)(case.x)
        return {
            "merged_weight": weight,
            "merged_has_bias": has_bias,
            "merged_output": first_output,
            "second_merged_output": second_output.tolist(),
            "layer_output_before": before,
            "layer_output_after": _output(module, case.x, out_features, "forward").tolist(),
        }


def _merged(module: nn.Module) -> nn.Linear:
    merged = module.merge()
    if not isinstance(merged, nn.Linear):
        raise StudentError(f"merge() should return an nn.Linear; found {type(merged).__name__}")
    return merged


def construct(ns: Mapping[str, Any], *, r: Any) -> PlainData:
    """Which exception (if any) ``LoRALinear(base, r=r, alpha=8)`` raises."""
    base = make_case(0, 6, 4, 1, 1).base
    try:
        _wrap(ns, base, r, 8.0, seed=0)
    except StudentError:
        raise
    except Exception as exc:  # the exception's type is the answer
        return {"raised": type(exc).__name__, "message": str(exc)}
    return {"raised": None, "message": ""}
