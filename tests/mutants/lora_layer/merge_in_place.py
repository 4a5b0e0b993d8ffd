"""Mutant of lora_layer: merge() adds the update into the base weight in place and returns the base.

The LoRA layer then adds the update a second time in its own forward, and every further
merge() call adds it again.
"""

import math

import torch
from torch import nn

FAILS = ("merge_repeatable", "hidden_merge_wide")
"""Checks that must fail on this mutant (tests/test_exercise_lora_layer.py asserts it)."""


class LoRALinear(nn.Module):
    def __init__(self, base, r, alpha):
        super().__init__()
        if r < 1:
            raise ValueError(f"r must be >= 1; found {r}")
        self.base = base
        for param in base.parameters():
            param.requires_grad_(False)
        self.scaling = alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

    def forward(self, x):
        return self.base(x) + self.scaling * (x @ self.lora_A.T) @ self.lora_B.T

    @torch.no_grad()
    def merge(self):
        self.base.weight += self.scaling * self.lora_B @ self.lora_A  # BUG: in place
        return self.base
