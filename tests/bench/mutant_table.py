"""Print the mutant score table: the reference vs each known-wrong implementation.

Run: ``python tests/bench/mutant_table.py`` (in-process harness, visible + hidden checks; the
per-exercise tests assert the same ordering, and tests/test_engine_real.py shows the sandboxed
engine gives the same verdicts).
"""
from pathlib import Path

from autograde.assign_grade import grade_file, score
from autograde.exercise import solutions_dir

for ex in ["lr_finder", "early_stopping", "focal_loss", "lora_layer"]:
    ref = grade_file(ex, solutions_dir() / f"{ex}.py")
    total = sum(r.max_points for r in ref)
    print(f"{ex}: reference {score(ref):g}/{total:g}")
    for m in sorted(Path(f"tests/mutants/{ex}").glob("*.py")):
        res = grade_file(ex, m)
        failed = [r.name for r in res if not r.passed]
        print(f"  {m.stem:28s} {score(res):5g}  fails: {', '.join(failed)[:110]}")
