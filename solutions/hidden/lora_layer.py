"""Hidden checks of the ``lora_layer`` exercise (grader only): unseen sizes, ranks and
alphas, each compared with the reference's output of the same driver (and with peft)."""

from autograde.spec import Check, Judge, PlainData
from autograde.visible._compare import matches_reference
from autograde.visible.lora_layer import peft_forward, rank_rejected

CANARY = "hidden-canary:lora_layer:1a27aaf3"
"""Must never appear in anything shipped to students (``assignments verify`` greps for it)."""

SHAPE_KEYS = ("trainable", "trainable_count", "lora_A_shape", "lora_B_shape", "lora_B_max_abs",
              "scaling", "output_change_at_init")
"""What ``init_state`` must share with the reference; A's random values are the student's."""

WIDE = {"seed": 2101, "in_features": 48, "out_features": 20, "r": 3, "alpha": 12.0, "batch": 5}
NARROW = {"seed": 2102, "in_features": 7, "out_features": 30, "r": 5, "alpha": 5.0, "batch": 4}
RANK_ONE = {"seed": 2103, "in_features": 16, "out_features": 16, "r": 1, "alpha": 32.0, "batch": 6}


def _init_matches_reference(found: PlainData, reference: PlainData | None) -> str | None:
    def pick(state: PlainData) -> PlainData:
        return {key: state[key] for key in SHAPE_KEYS}

    return matches_reference(what="init_state", rel=1e-4, abs_=1e-6)(pick(found), pick(reference))


def _matches_reference_and_peft(kwargs: dict) -> Judge:
    same_as_reference = matches_reference(what="output", rel=1e-4, abs_=1e-5)

    def judge(found: PlainData, reference: PlainData | None) -> str | None:
        same_as_peft = matches_reference(what="output (peft)", rel=1e-4, abs_=1e-5)
        return same_as_reference(found, reference) or same_as_peft(found, peft_forward(kwargs))

    return judge


def _hidden(name: str, part: str, driver: str, kwargs: dict, judge: Judge, text: str) -> Check:
    return Check(name=name, part=part, points=1, driver=driver, kwargs=kwargs, judge=judge,
                 hidden=True, description=text)


CHECKS = [
    _hidden("hidden_init_wide", "init", "init_state", WIDE, _init_matches_reference,
            "frozen base, shapes, zero B, scaling on a 48 -> 20 layer, r=3"),
    _hidden("hidden_init_narrow", "init", "init_state", NARROW, _init_matches_reference,
            "the same on a 7 -> 30 layer, r=5"),
    _hidden("hidden_rank_negative", "init", "construct", {"r": -3},
            rank_rejected(-3), "r = -3 is rejected"),
    _hidden("hidden_forward_wide", "forward", "forward", WIDE, _matches_reference_and_peft(WIDE),
            "output on a 48 -> 20 layer, r=3, alpha=12, vs the reference and peft"),
    _hidden("hidden_forward_rank_one", "forward", "forward", RANK_ONE,
            _matches_reference_and_peft(RANK_ONE), "output with r=1, alpha=32"),
    _hidden("hidden_gradients_narrow", "forward", "gradients_at_zero_b", NARROW,
            matches_reference(what="gradients", rel=1e-4, abs_=1e-6),
            "gradients with B = 0 on a 7 -> 30 layer"),
    _hidden("hidden_merge_wide", "merge", "merge", WIDE,
            matches_reference(what="merge", rel=1e-4, abs_=1e-5),
            "merge() on a 48 -> 20 layer, twice"),
    _hidden("hidden_merge_rank_one", "merge", "merge", RANK_ONE,
            matches_reference(what="merge", rel=1e-4, abs_=1e-5), "merge() with r=1, alpha=32"),
]
