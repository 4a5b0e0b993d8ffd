"""Mutant of lora_layer: the base layer is not frozen.

The optimizer then updates all of W as in full fine-tuning: no memory saved, and the
adapter is no longer a small separate set of weights.
"""

import math

import torch
from torch import nn

FAILS = ("base_frozen", "trainable_count_matches_peft", "gradients_at_zero_b", "hidden_init_wide")
"""Checks that must fail on this mutant (tests/test_exercise_lora_layer.py asserts it)."""


class LoRALinear(nn.Module):
    def __init__(self, base, r, alpha):
        super().__init__()
        if r < 1:
            raise ValueError(f"r must be >= 1; found {r}")
        self.base = base  # BUG: weight and bias keep requires_grad=True
        self.scaling = alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x):
        return self.base(x) + self.scaling * (x @ self.lora_A.T) @ self.lora_B.T

    @torch.no_grad()
    def merge(self):
        merged = nn.Linear(self.base.in_features, self.base.out_features)
        merged.weight.copy_(self.base.weight + self.scaling * self.lora_B @ self.lora_A)
        merged.bias.copy_(self.base.bias)
        return merged
