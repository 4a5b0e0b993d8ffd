"""Mutant of early_stopping.

Keeps model.state_dict() as the best weights: a live view that follows training.
"""

import math

import torch

FAILS = ('restores_best_weights', 'restores_best_weights_max_mode', 'hidden_restore')
"""Checks that must fail on this mutant (tests/test_exercise_early_stopping.py asserts it)."""


class EarlyStopping:
    """Stop training when a monitored score has stopped improving; see the exercise stub."""

    def __init__(
        self,
        patience: int = 3,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best_weights: bool = False,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max'; found {mode!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be an integer >= 0; found {patience!r}")
        if not min_delta >= 0:  # also rejects NaN
            raise ValueError(f"min_delta must be >= 0; found {min_delta!r}")
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best_weights = restore_best_weights
        self.best_score: float | None = None
        self.best_epoch: int | None = None
        self.counter = 0
        self.stopped_epoch: int | None = None
        self.best_weights: dict[str, torch.Tensor] | None = None
        self._epoch = -1

    def _improves(self, score: float) -> bool:
        if not math.isfinite(score):  # NaN (and inf) never improve, whatever the mode
            return False
        if self.best_score is None:  # the first finite score sets the best
            return True
        if self.mode == "min":
            return score < self.best_score - self.min_delta
        return score > self.best_score + self.min_delta

    def step(self, score: float, model: torch.nn.Module | None = None) -> bool:
        """Record one epoch's score; True when training should stop."""
        self._epoch += 1
        score = float(score)
        if self._improves(score):
            self.best_score, self.best_epoch, self.counter = score, self._epoch, 0
            if self.restore_best_weights:
                if model is None:
                    raise ValueError("restore_best_weights=True: pass the model to step()")
                # state_dict() shares storage with the parameters, which the optimizer
                # updates in place: only a deep copy keeps this epoch's weights.
                self.best_weights = model.state_dict()  # BUG: a live view, not a copy
            return False
        self.counter += 1
        if self.counter >= self.patience:
            if self.stopped_epoch is None:
                self.stopped_epoch = self._epoch
            return True
        return False

    __call__ = step

    def restore(self, model: torch.nn.Module) -> None:
        """Load the weights of the best epoch into ``model``."""
        if self.best_weights is None:
            raise RuntimeError(
                "no best weights to restore: create EarlyStopping(restore_best_weights=True) "
                "and pass the model to step()"
            )
        model.load_state_dict(self.best_weights)
