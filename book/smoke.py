"""``FTCOURSE_SMOKE_STEPS=N``: every ``transformers.Trainer`` run stops after N optimizer steps.

Why: the hub-mode test executes every chapter on tiny random models saved under real hub ids
(``tests/test_hub_mode.py``) to prove the code path — which models and datasets load, that
every cell runs — not the numbers. Training to the chapters' full length would only cost
time, so this one knob shortens all of it without a line of chapter code knowing. Unset (the
default, and always on the published site) it does nothing. It is a test knob: a page built
with it shows meaningless numbers.
"""

from __future__ import annotations

import functools
import os

ENV = "FTCOURSE_SMOKE_STEPS"


def steps() -> int | None:
    """The step cap from ``FTCOURSE_SMOKE_STEPS``, or ``None`` when unset."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{ENV} must be a positive integer; found {value!r}")
    return int(value)


def install() -> None:
    """Add a stop-after-N-steps callback to every ``Trainer`` built from now on (idempotent)."""
    cap = steps()
    if cap is None:
        return
    from transformers import Trainer, TrainerCallback

    if getattr(Trainer, "_ftcourse_smoke", False):
        return

    class StopAfter(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step >= cap:
                control.should_training_stop = True
            return control

    original_init = Trainer.__init__

    @functools.wraps(original_init)  # inspect.getsource(Trainer.__init__) still shows the original
    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.add_callback(StopAfter())

    Trainer.__init__ = init
    Trainer._ftcourse_smoke = True
