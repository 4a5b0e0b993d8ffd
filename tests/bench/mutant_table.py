"""Print the mutant score table: the reference vs each known-wrong implementation.

Each mutant is graded on its patched source: the reference with the mutant's ``EDITS``
applied (``exercise_harness.mutant_source``).

Run: ``python tests/bench/mutant_table.py`` (in-process harness, visible + hidden checks; the
per-exercise tests assert the same ordering, and tests/test_engine_real.py shows the sandboxed
engine gives the same verdicts).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exercise_harness import grade_mutant, mutant_paths  # noqa: E402

from autograde.assign_grade import grade_file, score  # noqa: E402
from autograde.exercise import solutions_dir  # noqa: E402

for ex in ["lr_finder", "early_stopping", "focal_loss", "lora_layer", "classify_pipeline",
           "instruct_data"]:
    ref = grade_file(ex, solutions_dir() / f"{ex}.py")
    total = sum(r.max_points for r in ref)
    print(f"{ex}: reference {score(ref):g}/{total:g}")
    for m in mutant_paths(ex):
        res = grade_mutant(ex, m)
        failed = [r.name for r in res if not r.passed]
        print(f"  {m.stem:28s} {score(res):5g}  fails: {', '.join(failed)[:110]}")
