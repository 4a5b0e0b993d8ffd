"""Visible checks of the ``lora_layer`` exercise.

Two kinds of expected values: numbers baked in below (computed once with the reference
through the same drivers, float32, CPU), and values that peft 0.21 computes on the very same
weights. The peft side runs in the judge, i.e. in the grader process at grading time, from the
public case builder ``autograde.drivers.lora_layer.make_case``; nothing of it comes from the
student's sandbox.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

import torch
from torch import nn

from autograde.drivers.lora_layer import Case, make_case
from autograde.exercise import close
from autograde.spec import Check, Judge, PlainData
from autograde.visible._compare import mismatch

INIT = {"seed": 0, "in_features": 64, "out_features": 32, "r": 8, "alpha": 16.0, "batch": 4}
CASE = {"seed": 1, "in_features": 6, "out_features": 4, "r": 2, "alpha": 6.0, "batch": 3}
PEFT_CASE = {"seed": 2, "in_features": 10, "out_features": 7, "r": 4, "alpha": 8.0, "batch": 5}

FORWARD = [
    [0.866818, 2.01942, -0.3482215, -1.952636],
    [-0.4504297, -2.057444, -0.06070852, 0.8754616],
    [5.515086, -1.015579, 0.6898062, -7.025999],
]
"""Output of ``LoRALinear`` on ``CASE`` with the case's A and B (computed with the reference)."""


def case_of(kwargs: dict) -> Case:
    """The case a check's kwargs describe (same seed, same tensors as in the sandbox)."""
    return make_case(
        kwargs["seed"], kwargs["in_features"], kwargs["out_features"], kwargs["r"],
        kwargs["batch"],
    )


def peft_lora(case: Case, r: int, alpha: float) -> tuple[nn.Module, nn.Module]:
    """peft's LoRA on a one-layer model around the case's base, with the case's A and B."""
    from peft import LoraConfig, get_peft_model  # slow import, only where peft is compared

    model = nn.Sequential(OrderedDict(proj=case.base))
    config = LoraConfig(r=r, lora_alpha=alpha, target_modules=["proj"], lora_dropout=0.0,
                        init_lora_weights=True)
    peft_model = get_peft_model(model, config)
    layer = peft_model.base_model.model.proj
    with torch.no_grad():
        layer.lora_A["default"].weight.copy_(case.lora_A)
        layer.lora_B["default"].weight.copy_(case.lora_B)
    return peft_model, layer


def peft_forward(kwargs: dict) -> list[list[float]]:
    """peft's output on the case that ``kwargs`` (a ``forward`` check's) describes."""
    case = case_of(kwargs)
    peft_model, _ = peft_lora(case, kwargs["r"], kwargs["alpha"])
    with torch.no_grad():
        return peft_model(case.x).tolist()


def _scale_used(found: list[list[float]], case: Case) -> float:
    """The s in ``base(x) + s * (x A^T) B^T`` that best explains ``found`` (least squares)."""
    with torch.no_grad():
        update = (case.x @ case.lora_A.T) @ case.lora_B.T
        residual = torch.tensor(found) - case.base(case.x)
    return float((residual * update).sum() / (update * update).sum())


def _forward_judge(kwargs: dict, expected: Callable[[], list[list[float]]], source: str) -> Judge:
    """Output must match ``expected()``; if it is base + s * update with the wrong s, say so."""

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        want = expected()
        message = mismatch(found, want, where="output", rel=1e-4, abs_=1e-5)
        if message is None:
            return None
        r, alpha = kwargs["r"], kwargs["alpha"]
        scale = _scale_used(found, case_of(kwargs))
        if close(scale, alpha, rel=1e-3):
            return (
                f"your layer scales the update B A x by alpha={alpha}; LoRA scales it by "
                f"alpha / r = {alpha / r:g} (Hu et al. 2021), so that changing r does not "
                f"change the update's size at init ({message})"
            )
        if close(scale, 1.0, rel=1e-3) and alpha != r:
            return f"your layer does not scale the update B A x by alpha / r = {alpha / r:g}"
        return f"{source} differs: {message}"

    return judge


def peft_trainable_count(kwargs: dict) -> int:
    """Trainable parameters peft reports for one adapted ``nn.Linear`` of these sizes."""
    case = case_of(kwargs)
    peft_model, _ = peft_lora(case, kwargs["r"], kwargs["alpha"])
    return peft_model.get_nb_trainable_parameters()[0]


def _frozen_base(found: PlainData, _reference: PlainData | None) -> str | None:
    trainable = set(found["trainable"])
    base = sorted(name for name in trainable if name.startswith("base."))
    if base:
        return (
            f"the base layer is still trainable ({base}): set requires_grad=False on its "
            "weight and bias; only lora_A and lora_B train"
        )
    if trainable != {"lora_A", "lora_B"}:
        return (
            "the trainable parameters must be exactly the nn.Parameters lora_A and lora_B; "
            f"found {sorted(trainable)}"
        )
    return None


def _shapes(kwargs: dict) -> Judge:
    r, d, k = kwargs["r"], kwargs["in_features"], kwargs["out_features"]

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        got = (found["lora_A_shape"], found["lora_B_shape"])
        if got == ([r, d], [k, r]):
            return None
        if got == ([k, r], [r, d]):
            return (
                f"lora_A and lora_B are swapped: A maps the {d} inputs to the rank r={r} "
                f"(shape [r, in] = {[r, d]}), B maps r back to the {k} outputs ({[k, r]})"
            )
        return f"expected lora_A of shape {[r, d]} and lora_B of shape {[k, r]}; found {list(got)}"

    return judge


def _init_values(in_features: int) -> Judge:
    bound = 1 / math.sqrt(in_features)  # kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in))

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        if found["lora_A_max_abs"] is None or found["lora_B_max_abs"] is None:
            return "LoRALinear needs tensor attributes lora_A and lora_B (nn.Parameters)"
        if found["lora_B_max_abs"] != 0.0:
            return (
                f"lora_B should start at exactly zero (max |B| = {found['lora_B_max_abs']:.3g}): "
                "then B A = 0 and the wrapped layer starts identical to the base model"
            )
        a_max, a_std = found["lora_A_max_abs"], found["lora_A_std"]
        if not 0 < a_max <= bound * (1 + 1e-6) or not 0.8 < a_std / (bound / math.sqrt(3)) < 1.2:
            return (
                f"lora_A should be Kaiming-uniform like an nn.Linear weight, "
                f"U(-{bound:.4g}, {bound:.4g}) for in_features={in_features} "
                f"(nn.init.kaiming_uniform_(A, a=math.sqrt(5))); found max |A| = {a_max:.4g}, "
                f"std {a_std:.4g} (expected about {bound / math.sqrt(3):.4g})"
            )
        return None

    return judge


def _unchanged_at_init(found: PlainData, _reference: PlainData | None) -> str | None:
    if found["forward_error"] is not None:
        return f"forward failed on a freshly wrapped layer: {found['forward_error']}"
    change = found["output_change_at_init"]
    if change <= 1e-6:
        return None
    return (
        f"right after wrapping, the output differs from the base layer's by up to {change:.3g}; "
        "with B = 0 the adapted layer must compute exactly what the base layer did"
    )


def _gradients_at_zero_b(kwargs: dict) -> Judge:
    """dL/dA = 0 when B = 0; dL/dB = s * G^T (x A^T) with G = dL/d output; no base gradient."""

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        if found["base_weight_has_grad"]:
            return "the base layer's weight received a gradient: it must be frozen"
        if found["lora_A"] is None or found["lora_B"] is None:
            return "lora_A and lora_B must both receive a gradient (are they nn.Parameters?)"
        case = case_of(kwargs)
        zeros = torch.zeros_like(case.lora_A).tolist()
        message = mismatch(found["lora_A"], zeros, where="dL/dA", abs_=1e-7)
        if message:
            return f"with B = 0, A's gradient must be exactly zero (B multiplies it): {message}"
        scaling = kwargs["alpha"] / kwargs["r"]
        expected = (scaling * case.probe.T @ (case.x @ case.lora_A.T)).tolist()
        return mismatch(found["lora_B"], expected, where="dL/dB", rel=1e-4, abs_=1e-5)

    return judge


def _merged_weight(kwargs: dict) -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        case = case_of(kwargs)
        delta = case.lora_B @ case.lora_A
        scaling = kwargs["alpha"] / kwargs["r"]
        expected = (case.base.weight + scaling * delta).tolist()
        message = mismatch(found["merged_weight"], expected, where="merged weight", rel=1e-4,
                           abs_=1e-5)
        if message and not mismatch(found["merged_weight"], (case.base.weight + delta).tolist(),
                                    where="merged weight", rel=1e-4, abs_=1e-5):
            return f"merge() adds B A without the scaling alpha / r = {scaling:g}"
        return message

    return judge


def _merged_matches_layer(found: PlainData, _reference: PlainData | None) -> str | None:
    if not found["merged_has_bias"]:
        return "the merged nn.Linear lost the base layer's bias"
    message = mismatch(found["merged_output"], found["layer_output_before"],
                       where="merged(x) vs layer(x)", rel=1e-4, abs_=1e-5)
    return message and f"the merged layer must compute what the LoRA layer computes: {message}"


def _merge_repeatable(found: PlainData, _reference: PlainData | None) -> str | None:
    for key, reference_key, when in (
        ("layer_output_after", "layer_output_before", "the LoRA layer after merge()"),
        ("second_merged_output", "merged_output", "a second merge()"),
    ):
        if mismatch(found[key], found[reference_key], where=key, rel=1e-4, abs_=1e-5):
            return (
                f"{when} computes something else than before: merge() must build a new "
                "nn.Linear and leave the base weights alone, or the update is added twice"
            )
    return None


def _scaling(kwargs: dict) -> Judge:
    alpha, r = kwargs["alpha"], kwargs["r"]

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        message = mismatch(found["scaling"], alpha / r, where="self.scaling")
        return message and f"{message}: it should be alpha / r = {alpha:g} / {r}"

    return judge


def rank_rejected(r: int) -> Judge:
    """``LoRALinear(base, r, alpha=8)`` must raise ValueError (a hidden check reuses it)."""

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        if found["raised"] == "ValueError":
            return None
        what = f"raised {found['raised']}" if found["raised"] else "was accepted"
        return f"LoRALinear(base, r={r}, alpha=8) should raise ValueError (r >= 1); it {what}"

    return judge


def _trainable_count(kwargs: dict) -> Judge:
    r, d, k = kwargs["r"], kwargs["in_features"], kwargs["out_features"]

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        expected = peft_trainable_count(kwargs)
        if found["trainable_count"] == expected:
            return None
        return (
            f"peft trains r * (in + out) = {r} * ({d} + {k}) = {expected} parameters for this "
            f"layer; yours trains {found['trainable_count']}"
        )

    return judge


CHECKS = [
    Check(
        name="base_frozen", part="init", points=1, driver="init_state", kwargs=INIT,
        judge=_frozen_base, description="the base weight and bias are frozen, A and B train",
    ),
    Check(
        name="adapter_shapes", part="init", points=1, driver="init_state", kwargs=INIT,
        judge=_shapes(INIT), description="lora_A is [r, in_features], lora_B is [out_features, r]",
    ),
    Check(
        name="init_a_kaiming_b_zero", part="init", points=1, driver="init_state", kwargs=INIT,
        judge=_init_values(INIT["in_features"]),
        description="A starts Kaiming-uniform (like peft), B starts at zero",
    ),
    Check(
        name="unchanged_at_init", part="init", points=1, driver="init_state", kwargs=INIT,
        judge=_unchanged_at_init, description="the wrapped layer starts identical to the base",
    ),
    Check(
        name="scaling_alpha_over_r", part="init", points=1, driver="init_state", kwargs=INIT,
        judge=_scaling(INIT),
        description="self.scaling = alpha / r",
    ),
    Check(
        name="trainable_count_matches_peft", part="init", points=1, driver="init_state",
        kwargs=INIT, judge=_trainable_count(INIT),
        description="trainable parameters = r * (in + out), as peft counts them",
    ),
    Check(
        name="rank_must_be_positive", part="init", points=1, driver="construct",
        kwargs={"r": 0}, judge=rank_rejected(0), description="r = 0 is rejected",
    ),
    Check(
        name="forward_values", part="forward", points=1, driver="forward", kwargs=CASE,
        judge=_forward_judge(CASE, lambda: FORWARD, "the output"),
        description="base(x) + (alpha / r) * (x A^T) B^T on a fixed case",
    ),
    Check(
        name="forward_matches_peft", part="forward", points=1, driver="forward",
        kwargs=PEFT_CASE, judge=_forward_judge(PEFT_CASE, lambda: peft_forward(PEFT_CASE),
                                               "peft's output on the same weights"),
        description="same output as peft's LoRA with the same A and B",
    ),
    Check(
        name="gradients_at_zero_b", part="forward", points=1, driver="gradients_at_zero_b",
        kwargs=CASE, judge=_gradients_at_zero_b(CASE),
        description="with B = 0, dL/dA = 0 and dL/dB = (alpha / r) G^T x A^T",
    ),
    Check(
        name="merged_weight", part="merge", points=1, driver="merge", kwargs=CASE,
        judge=_merged_weight(CASE), description="merge() weight = W + (alpha / r) B A",
    ),
    Check(
        name="merged_matches_layer", part="merge", points=1, driver="merge", kwargs=CASE,
        judge=_merged_matches_layer, description="the merged nn.Linear gives the same outputs",
    ),
    Check(
        name="merge_repeatable", part="merge", points=1, driver="merge", kwargs=CASE,
        judge=_merge_repeatable, description="merge() leaves the layer as it was",
    ),
]
