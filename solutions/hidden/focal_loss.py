"""Hidden checks of the ``focal_loss`` exercise (grader only): unseen batches, sizes and
hyper-parameters, each compared with the reference's output of the same driver."""

from autograde.spec import Check
from autograde.visible._compare import matches_reference

CANARY = "hidden-canary:focal_loss:8f45d8f2"
"""Must never appear in anything shipped to students (``assignments verify`` greps for it)."""

ALPHA_5 = [0.1, 0.4, 0.15, 0.3, 0.05]


def _hidden(name: str, part: str, driver: str, description: str, **kwargs) -> Check:
    return Check(
        name=name, part=part, points=1, driver=driver, kwargs=kwargs, hidden=True,
        judge=matches_reference(what=driver, rel=1e-4, abs_=1e-5),
        description=description,
    )


CHECKS = [
    _hidden("hidden_gamma0", "cross_entropy", "loss", "gamma=0 equals cross-entropy (N=32, C=7)",
            seed=1101, n=32, c=7, scale=3.0, gamma=0.0, reduction="none"),
    _hidden("hidden_gamma_1_5", "focusing", "loss", "gamma=1.5 per example (N=24, C=5)",
            seed=1102, n=24, c=5, scale=2.5, gamma=1.5, reduction="none"),
    _hidden("hidden_gamma_3_gradient", "focusing", "gradient", "gamma=3 gradient (N=16, C=4)",
            seed=1103, n=16, c=4, scale=2.0, gamma=3.0),
    _hidden("hidden_alpha_5_classes", "alpha", "loss", "alpha over 5 classes (N=40)",
            seed=1104, n=40, c=5, scale=2.0, gamma=2.0, alpha=ALPHA_5, reduction="none"),
    _hidden("hidden_alpha_gradient", "alpha", "gradient", "gradient with alpha (N=12, C=5)",
            seed=1105, n=12, c=5, scale=1.0, gamma=1.0, alpha=ALPHA_5),
    _hidden("hidden_mean_with_alpha", "reduction", "loss", "mean with alpha (N=50, C=5)",
            seed=1106, n=50, c=5, scale=2.0, gamma=2.0, alpha=ALPHA_5, reduction="mean"),
    _hidden("hidden_sum", "reduction", "loss", "sum (N=30, C=6)",
            seed=1107, n=30, c=6, scale=1.0, gamma=2.0, reduction="sum"),
    _hidden("hidden_large_logits", "stability", "loss", "logits of size ~80 (N=20, C=10)",
            seed=1108, n=20, c=10, scale=80.0, gamma=2.0, reduction="none"),
    _hidden("hidden_confident_gamma_quarter", "stability", "gradient",
            "gamma=0.25, a third of the rows with p_t == 1 (N=15, C=4)",
            seed=1109, n=15, c=4, gamma=0.25, confident_rows=5),
]
