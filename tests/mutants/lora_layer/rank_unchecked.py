"""Mutant of lora_layer: r is not validated.

r = 0 then fails with ZeroDivisionError in alpha / r, and a negative r with a confusing
error from torch.empty, instead of a ValueError that says what r must be.
"""

import math

import torch
from torch import nn

FAILS = ("rank_must_be_positive", "hidden_rank_negative")
"""Checks that must fail on this mutant (tests/test_exercise_lora_layer.py asserts it)."""


class LoRALinear(nn.Module):
    def __init__(self, base, r, alpha):
        super().__init__()
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
        merged = nn.Linear(self.base.in_features, self.base.out_features)
        merged.weight.copy_(self.base.weight + self.scaling * self.lora_B @ self.lora_A)
        merged.bias.copy_(self.base.bias)
        return merged
