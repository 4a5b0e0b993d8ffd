"""Hub mode, proven without the network: the chapters load hub ids, and every chapter runs.

``FTCOURSE_SOURCE=hub`` promises that the same cells load real hub models and datasets. These
tests build a hub-shaped Hugging Face cache (``tests/hub_cache.py``: tiny random models and
small datasets under the real hub ids), set ``HF_HUB_OFFLINE=1`` so nothing can be fetched,
and then

- check statically that every model a chapter names is a role, which hub mode resolves to a
  hub id (``kit-lm`` would resolve to the kit in either mode);
- load each role and check that its files come from the hub cache, not from the kit;
- execute every chapter, with ``FTCOURSE_SOURCE=hub`` and ``FTCOURSE_SMOKE_STEPS=2`` (every
  ``Trainer`` run stops after two steps: ``book/smoke.py``). This proves the code path, not
  the numbers, which random models cannot give.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest
from hub_cache import build_hub_cache, role_hub_ids
from nbclient import NotebookClient

from book import config, kit
from book.models import ROLES

CHAPTERS = sorted((config.REPO_ROOT / "chapters").glob("0*.md"))
MODEL_CALLS = ("load_causal_lm", "load_sequence_classifier", "resolve", "describe",
               "describe_model", "for_role")
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.DOTALL)


def named_models(page: Path) -> list[tuple[str, str]]:
    """(call, first argument) for every model-naming call with a literal name in ``page``."""
    found = []
    for cell in CELL.findall(page.read_text()):
        for node in ast.walk(ast.parse(cell.split("\n---\n", 1)[-1])):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
                    and (getattr(node.func, "id", None) or node.func.attr) in MODEL_CALLS
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.append(((getattr(node.func, "id", None) or node.func.attr),
                              node.args[0].value))
    return found


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_hub_chapters_name_models_by_role(page: Path) -> None:
    names = named_models(page)
    assert names, f"{page.name}: no model-loading call found (is the scan still right?)"
    not_roles = [(call, name) for call, name in names if name not in ROLES]
    assert not not_roles, (f"{page.name} names models that are not roles {sorted(ROLES)}: "
                           f"{not_roles}; hub mode would not swap them for hub models")


@pytest.fixture(scope="module")
def hub_env(tmp_path_factory) -> dict[str, str]:
    """A hub-shaped HF cache, hub mode on, the network forbidden.

    The course kit itself is the real one (built by ``make site``, or here if missing): in hub
    mode the chapters still read the kit's generated data (its pre-training corpus as old-domain
    text, the instruction data), sized for the course kit, not the tiny test kit.
    """
    hf_home = tmp_path_factory.mktemp("hf-home")
    settings = {"HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
                "TQDM_DISABLE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in settings.items():
            mp.setenv(key, value)
        mp.setenv("FTCOURSE_SOURCE", "offline")
        mp.delenv("FTCOURSE_KIT_PRESET", raising=False)
        tokenizer_dir = kit.ensure(progress=False).lm
        build_hub_cache(hf_home, tokenizer_dir)
        mp.setenv("FTCOURSE_SOURCE", "hub")
        yield {**settings, "FTCOURSE_SOURCE": "hub"}


ROLE_CHECK = """
import json, sys
from transformers.utils import cached_file
from book.kit.layout import paths
from book.models import ROLES, describe, load_causal_lm, resolve
report = {}
for role in ROLES:
    hub_id = resolve(role)
    model, _ = load_causal_lm(role)
    report[role] = {"resolved": hub_id, "name_or_path": model.name_or_path,
                    "config_file": cached_file(hub_id, "config.json"),
                    "described": describe(role)}
report["kit"] = str(paths().root)
json.dump(report, sys.stdout)
"""


@pytest.mark.slow
def test_hub_roles_load_from_the_hub_cache(hub_env: dict[str, str]) -> None:
    # a child process: huggingface_hub reads HF_HOME and HF_HUB_OFFLINE when it is imported
    done = subprocess.run([sys.executable, "-c", ROLE_CHECK], capture_output=True, text=True,
                          env={**os.environ, **hub_env}, timeout=300, check=True)
    report = json.loads(done.stdout)
    kit_root = report.pop("kit")
    for role, seen in report.items():
        assert seen["resolved"] in role_hub_ids(), f"{role} resolved to {seen['resolved']!r}"
        assert seen["name_or_path"] == seen["resolved"]
        assert seen["config_file"].startswith(hub_env["HF_HOME"])
        assert not seen["config_file"].startswith(kit_root)
        assert seen["resolved"] in seen["described"]


@pytest.mark.slow
@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_hub_mode_executes_chapter(page: Path, hub_env: dict[str, str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTCOURSE_SMOKE_STEPS", "2")
    notebook = jupytext.read(page)
    # A page's assert on its own numbers ("the best rate is inside the grid") cannot hold for
    # random models and two steps of training; any other error fails the test.
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            allow_error_names=["AssertionError"],
                            resources={"metadata": {"path": str(page.parent)}})
    client.execute()  # raises CellExecutionError naming the cell that failed
    first_output = "".join(out.get("text", "") for out in notebook.cells[
        next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")].outputs)
    if "source:" in first_output:
        assert "source: hub" in first_output, first_output
    assert os.environ["FTCOURSE_SOURCE"] == "hub"
