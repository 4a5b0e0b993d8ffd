"""The course's nbgrader settings, applied by the generated ``_build/course/nbgrader_config.py``.

That file is only ``from autograde.nbgrader_config import configure; configure(get_config())``,
so the settings live (and are tested) here:

- a per-cell execution timeout, so one stuck cell cannot hang ``nbgrader autograde``;
- the stub that replaces solutions in the released notebook (raises ``NotImplementedError``,
  which ``check_part`` and the engine report as "not implemented yet");
- ``OverwriteCells.add_missing_cells``: a deleted test cell is put back, so it is scored
  (0.9.6 has this option, off by default);
- :class:`~autograde.nbgrader_preprocessor.EngineScores` after execution and before nbgrader
  saves the grades, so the recorded score is the sandboxed engine's, not the kernel's;
- :class:`~autograde.nbgrader_preprocessor.KernelSafeExecute` instead of ``Execute``, so a
  submission that kills its kernel is still graded (plain nbgrader gives it no grade).
"""

from __future__ import annotations

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)
from traitlets.config import Config

from autograde.nbgrader_preprocessor import EngineScores, KernelSafeExecute

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def configure(c: Config, *, cell_timeout_s: int = 120, memory_mb: int = 2048,
              run_kernel: bool = True) -> Config:
    """Apply the course's settings to nbgrader's config object ``c`` and return it.

    ``run_kernel=False`` skips nbgrader's own execution of the submission: no student code
    then runs outside the sandbox (the kernel is not sandboxed), grading is faster, and the
    autograded notebook shows only the engine's outputs in the test cells.
    """
    c.ExecutePreprocessor.timeout = cell_timeout_s
    c.Execute.timeout = cell_timeout_s  # nbgrader's Execute redeclares the trait (default 30)
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.OverwriteCells.add_missing_cells = True
    c.EngineScores.memory_mb = memory_mb
    c.EngineScores.notebook_timeout = float(cell_timeout_s)
    # nbgrader 0.9.6's default list, with the engine between LimitOutput and SaveAutoGrades
    # and an Execute that survives a dead kernel.
    execute = [KernelSafeExecute] if run_kernel else []
    c.Autograde.autograde_preprocessors = [
        *execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, EngineScores,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    return c
