"""Visible checks of the ``focal_loss`` exercise: fixed batches, expected values baked in.

The numbers below were computed once with the reference solution through the same drivers
(float32, CPU); the judges also recognise the classic wrong answers and name them.
Every batch is ``autograde.drivers.focal_loss.make_batch(seed, n, c, scale)``.
"""

from __future__ import annotations

import math

from autograde.exercise import close
from autograde.spec import Check, Judge, PlainData
from autograde.visible._compare import equals, mismatch

BATCH = {"seed": 1, "n": 6, "c": 4, "scale": 2.0}
"""The batch of the value checks: targets [1, 1, 1, 3, 3, 1], p_t from 0.03 to 0.89."""

CROSS_ENTROPY = [0.9569358, 1.476979, 1.527327, 1.490767, 0.1184829, 3.589181]
"""``F.cross_entropy(logits, targets, reduction="none")`` on ``BATCH``."""

FOCAL_GAMMA_2 = [0.3630349, 0.8795111, 0.9361112, 0.8949307, 0.001479171, 3.393646]
FOCAL_GAMMA_HALF = [0.751016, 1.297451, 1.35139, 1.312214, 0.03960467, 3.539265]

ALPHA_3 = [0.2, 0.3, 0.5]
FOCAL_ALPHA_3 = [0.1245087, 0.2798011, 0.08881737, 0.0008700321, 0.001583969, 0.2184852]
"""gamma=2, alpha=ALPHA_3 (given as a tensor), batch seed=3, n=6, c=3, scale=1.5."""

LARGE_LOGITS = [110.2332, 41.47564, 89.30781, 56.29422, 119.2015, 106.9356]
"""gamma=2 on batch seed=4, n=6, c=5, scale=50: target logits far below the largest one."""

CONFIDENT_BATCH = {"seed": 5, "n": 4, "c": 3, "confident_rows": 2}
"""Rows 0 and 1 have logit +100 on their target, so p_t == 1.0 exactly in float32."""

CONFIDENT_GRAD = {
    0.5: [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.1021703, -0.8823749, 0.7802047],
          [-0.9284002, 0.2069941, 0.7214062]],
    2.0: [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.1119235, -0.9666066, 0.8546832],
          [-1.048712, 0.2338186, 0.8148937]],
}
"""Gradient of the summed loss w.r.t. the logits of ``CONFIDENT_BATCH``, per gamma."""

CONFIDENT_LOSS = {0.5: 3.401402, 2.0: 2.635693}


def _per_example(expected: list[float], *, what: str, known_bugs: dict[str, list[float]]) -> Judge:
    """Equal to ``expected``, or a message naming the known bug whose values were returned."""

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        message = mismatch(found, expected, where=what, rel=1e-4)
        if message is None:
            return None
        for bug, values in known_bugs.items():
            if mismatch(found, values, where=what, rel=1e-4) is None:
                return f"{what} is wrong: {bug}"
        return message

    return judge


def _alpha_weights(alpha: list[float]) -> Judge:
    """Loss with alpha / loss without alpha must be alpha[target] for every example."""

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        ratios, targets = found["ratios"], found["targets"]
        expected = [alpha[t] for t in targets]
        if mismatch(ratios, expected, where="ratio", rel=1e-4) is None:
            return None
        weights = ", ".join(f"class-{k} examples by {a}" for k, a in enumerate(alpha))
        should = f"with alpha={alpha} the loss should be weighted per class ({weights})"
        if all(close(r, 1.0, rel=1e-4) for r in ratios):
            return (
                f"{should}; yours gives every example the same loss as with alpha=None — "
                "is alpha ignored?"
            )
        if all(close(r, ratios[0], rel=1e-4) for r in ratios):
            return (
                f"{should}; yours weights every example the "
                f"same ({ratios[0]:.4g}) — is alpha a scalar? Pick each example's weight by "
                "its target class: alpha[targets]"
            )
        i = next(i for i, (r, e) in enumerate(zip(ratios, expected, strict=True))
                 if not close(r, e, rel=1e-4))
        return (
            f"example {i} has target {targets[i]}, so alpha should multiply its loss by "
            f"{expected[i]}; yours multiplies it by {ratios[i]:.4g}"
        )

    return judge


def _plain_mean(alpha: list[float]) -> Judge:
    """``mean`` must be sum(per-example) / N, even with alpha (as torchvision's reduction)."""

    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        total, n = sum(found["none"]), len(found["none"])
        if close(found["mean"], total / n, rel=1e-4):
            return None
        alpha_sum = sum(alpha[t] for t in found["targets"])
        if close(found["mean"], total / alpha_sum, rel=1e-4):
            return (
                "with alpha, your reduction='mean' divides by the sum of alpha_t (as weighted "
                "F.cross_entropy does); this exercise uses the plain mean over the N examples, "
                f"as torchvision's sigmoid_focal_loss does: expected {total / n:.6g}, "
                f"found {found['mean']:.6g}"
            )
        if close(found["mean"], total, rel=1e-4):
            return f"reduction='mean' returned the sum {total:.6g}; divide by N={n}"
        return (
            f"reduction='mean' should be the mean of the per-example losses, {total / n:.6g}; "
            f"found {found['mean']!r}"
        )

    return judge


def _plain_sum(found: PlainData, _reference: PlainData | None) -> str | None:
    total = sum(found["none"])
    if close(found["sum"], total, rel=1e-4):
        return None
    return (
        f"reduction='sum' should be the sum of the per-example losses, {total:.6g}; "
        f"found {found['sum']!r}"
    )


def _raises_value_error(call: str) -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        if found["raised"] == "ValueError":
            return None
        what = f"raised {found['raised']}" if found["raised"] else "returned normally"
        return f"{call} should raise ValueError saying what was expected; it {what}"

    return judge


def _finite_large_logits(found: PlainData, _reference: PlainData | None) -> str | None:
    if isinstance(found, list) and not all(math.isfinite(v) for v in found):
        return (
            f"the loss is not finite ({found}) for logits of size ~50: softmax underflows to 0 "
            "for the target class and log(0) = -inf. Use F.log_softmax, which computes "
            "x - logsumexp(x) without forming the probabilities"
        )
    return mismatch(found, LARGE_LOGITS, where="loss", rel=1e-4)


def _finite_gradient(gamma: float) -> Judge:
    def judge(found: PlainData, _reference: PlainData | None) -> str | None:
        if not found["loss_finite"]:
            return f"with gamma={gamma} and p_t == 1 the loss is {found['loss']} (not finite)"
        if not found["grad_finite"]:
            return (
                f"with gamma={gamma}, the gradient w.r.t. the logits is NaN/inf for the rows "
                "where p_t == 1 (a target logit of +100): d/dp (1-p)^gamma = "
                "-gamma (1-p)^(gamma-1) is infinite at p = 1 when gamma < 1, and inf * 0 = NaN. "
                "Clamp 1 - p_t to a tiny positive number (e.g. torch.finfo(x.dtype).tiny) "
                "before raising it to gamma"
            )
        return mismatch(found["loss"], CONFIDENT_LOSS[gamma], where="loss", rel=1e-4) or mismatch(
            found["grad"], CONFIDENT_GRAD[gamma], where="d loss / d logits", rel=1e-4, abs_=1e-5
        )

    return judge


CE_BUG = {
    "your values equal plain cross-entropy: the focusing factor (1 - p_t)**gamma is missing":
    CROSS_ENTROPY
}

CHECKS = [
    Check(
        name="gamma0_mean_is_cross_entropy", part="cross_entropy", points=1, driver="loss",
        kwargs={**BATCH, "gamma": 0.0, "reduction": "mean"},
        judge=equals(1.526612, what="focal_loss(gamma=0, reduction='mean')", rel=1e-4),
        description="with gamma=0 and no alpha, the mean focal loss is F.cross_entropy",
    ),
    Check(
        name="gamma0_per_example_is_cross_entropy", part="cross_entropy", points=1, driver="loss",
        kwargs={**BATCH, "gamma": 0.0, "reduction": "none"},
        judge=equals(CROSS_ENTROPY, what="loss", rel=1e-4),
        description="with gamma=0, reduction='none' gives per-example cross-entropy, shape [N]",
    ),
    Check(
        name="gamma2_per_example", part="focusing", points=1, driver="loss",
        kwargs={**BATCH, "gamma": 2.0, "reduction": "none"},
        judge=_per_example(FOCAL_GAMMA_2, what="loss", known_bugs=CE_BUG),
        description="gamma=2 scales each example's cross-entropy by (1 - p_t)^2",
    ),
    Check(
        name="gamma_half_per_example", part="focusing", points=1, driver="loss",
        kwargs={**BATCH, "gamma": 0.5, "reduction": "none"},
        judge=_per_example(FOCAL_GAMMA_HALF, what="loss", known_bugs=CE_BUG),
        description="gamma=0.5 scales each example's cross-entropy by (1 - p_t)^0.5",
    ),
    Check(
        name="alpha_weights_by_class", part="alpha", points=1, driver="alpha_ratios",
        kwargs={"seed": 2, "n": 8, "c": 2, "alpha": [0.25, 0.75]},
        judge=_alpha_weights([0.25, 0.75]),
        description="alpha[k] multiplies the loss of the examples whose target is class k",
    ),
    Check(
        name="alpha_as_tensor", part="alpha", points=1, driver="loss",
        kwargs={"seed": 3, "n": 6, "c": 3, "scale": 1.5, "gamma": 2.0, "alpha": ALPHA_3,
                "alpha_as_tensor": True, "reduction": "none"},
        judge=equals(FOCAL_ALPHA_3, what="loss", rel=1e-4),
        description="alpha may be a tensor of C weights as well as a list",
    ),
    Check(
        name="alpha_wrong_length_raises", part="alpha", points=1, driver="raises",
        kwargs={"case": "alpha_length"},
        judge=_raises_value_error("focal_loss(logits_with_3_classes, targets, alpha=[0.5, 0.5])"),
        description="an alpha without one weight per class is an error, not a silent broadcast",
    ),
    Check(
        name="mean_is_plain_mean", part="reduction", points=1, driver="reductions",
        kwargs={"seed": 3, "n": 8, "c": 3, "gamma": 2.0, "alpha": ALPHA_3},
        judge=_plain_mean(ALPHA_3),
        description="reduction='mean' divides by N, also with alpha (Lin et al. 2017)",
    ),
    Check(
        name="sum_is_sum", part="reduction", points=1, driver="reductions",
        kwargs={"seed": 3, "n": 8, "c": 3, "gamma": 2.0, "alpha": ALPHA_3},
        judge=_plain_sum,
        description="reduction='sum' adds the per-example losses",
    ),
    Check(
        name="unknown_reduction_raises", part="reduction", points=1, driver="raises",
        kwargs={"case": "reduction"},
        judge=_raises_value_error("focal_loss(..., reduction='avg')"),
        description="an unknown reduction is an error",
    ),
    Check(
        name="large_logits_finite", part="stability", points=1, driver="loss",
        kwargs={"seed": 4, "n": 6, "c": 5, "scale": 50.0, "gamma": 2.0, "reduction": "none"},
        judge=_finite_large_logits,
        description="logits of size ~50 give a finite loss (log_softmax, not log(softmax))",
    ),
    Check(
        name="finite_gradient_gamma_half", part="stability", points=1, driver="gradient",
        kwargs={**CONFIDENT_BATCH, "gamma": 0.5},
        judge=_finite_gradient(0.5),
        description="gamma=0.5 with p_t == 1 exactly: finite, correct gradients",
    ),
    Check(
        name="finite_gradient_gamma_2", part="stability", points=1, driver="gradient",
        kwargs={**CONFIDENT_BATCH, "gamma": 2.0},
        judge=_finite_gradient(2.0),
        description="gamma=2 with p_t == 1 exactly: finite, correct gradients",
    ),
]
