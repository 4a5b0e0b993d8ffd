"""The site is strict: what it publishes, how it executes, and that the build fails loudly.

Fast tests read ``_config.yml``, ``_toc.yml`` and the Makefile. Slow tests build tiny fixture
books with a copy of the real ``_config.yml`` and the Makefile's flags, and show that a broken
reference or a failing cell fails the build, while a valid book builds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
TOC = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
BUILD_FLAGS = ["-W", "-n", "--keep-going"]
PAGE_FOLDERS = ("chapters", "exercises")


def toc_files(toc: dict) -> set[str]:
    """Every ``file`` of a jb-book TOC (root, parts, chapters, nested sections), no suffix."""
    found = {toc["root"]}
    stack = [toc]
    while stack:
        node = stack.pop()
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []):
                if "file" in child:
                    found.add(str(Path(child["file"]).with_suffix("")))
                stack.append(child)
    return found


def pages_missing_from_toc(root: Path, toc: dict) -> list[str]:
    """Pages under chapters/ and exercises/ that the TOC does not list. With
    ``only_build_toc_files`` the build skips them silently, so this is where they get caught."""
    skipped = set(CONFIG["exclude_patterns"])
    listed = toc_files(toc)
    pages = [
        p.relative_to(root)
        for folder in PAGE_FOLDERS
        for p in sorted((root / folder).rglob("*.md"))
        if not skipped & set(p.relative_to(root).parts) and p.name != "README.md"
    ]
    return [str(p) for p in pages if str(p.with_suffix("")) not in listed]


# ------------------------------------------------------------------------------ fast checks


def test_private_and_build_folders_are_never_published():
    excluded = set(CONFIG["exclude_patterns"])
    assert {"solutions", "autograde", "tests", "book", "README.md"} <= excluded
    assert {"_build", ".venv", ".cache"} <= excluded
    assert CONFIG["only_build_toc_files"] is True
    assert not any(f.startswith(("solutions/", "autograde/")) for f in toc_files(TOC))


def test_every_notebook_executes_strictly_with_a_timeout():
    execute = CONFIG["execute"]
    assert execute["execute_notebooks"] == "cache"  # authors; CI forces (next test)
    assert execute["allow_errors"] is False
    assert 60 <= execute["timeout"] <= 1800
    assert CONFIG["sphinx"]["config"]["nitpicky"] is True


def test_ci_forces_execution_and_authors_use_the_cache(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    dry = subprocess.run(
        ["make", "-n", "site"], cwd=REPO, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert f"jupyter-book build . {' '.join(BUILD_FLAGS)} --config _config.yml" in dry
    dry_ci = subprocess.run(
        ["make", "-n", "site", "CI=true"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--config _build/_config.force.yml" in dry_ci

    # Run the recipe that writes the CI config in a scratch copy: it must differ only in mode.
    for name in ("Makefile", "_config.yml"):
        shutil.copy(REPO / name, tmp_path / name)
    subprocess.run(
        ["make", "_build/_config.force.yml", "STAMP=", f"BIN={Path(sys.executable).parent}"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    forced = yaml.safe_load((tmp_path / "_build" / "_config.force.yml").read_text())
    assert forced["execute"].pop("execute_notebooks") == "force"
    expected = yaml.safe_load((REPO / "_config.yml").read_text())
    del expected["execute"]["execute_notebooks"]
    assert forced == expected
    js = list(forced["sphinx"]["config"]["nb_ipywidgets_js"])
    assert js == ["ipywidgets/require.js", "ipywidgets/embed-amd.js"], "require.js loads first"


def test_no_script_comes_from_a_cdn_and_no_launch_buttons():
    sphinx = CONFIG["sphinx"]["config"]
    scripts = [*sphinx["nb_ipywidgets_js"], sphinx["mathjax_path"]]
    assert not any("://" in s for s in scripts), scripts
    assert sphinx["html_static_path"] == ["_build/_vendor"]
    assert CONFIG["launch_buttons"]["thebe"] is False
    assert not any(CONFIG["launch_buttons"][k] for k in ("binderhub_url", "colab_url"))
    assert not any(CONFIG["html"][k] for k in ("use_repository_button", "use_edit_page_button"))


def test_bibliography_and_myst_extensions():
    assert all((REPO / f).is_file() for f in CONFIG["bibtex_bibfiles"])
    assert {"dollarmath", "amsmath", "colon_fence", "deflist"} <= set(
        CONFIG["parse"]["myst_enable_extensions"]
    )


def test_every_page_is_in_the_toc_and_every_toc_entry_exists():
    assert pages_missing_from_toc(REPO, TOC) == []
    missing = [f for f in toc_files(TOC) if not (REPO / f).with_suffix(".md").is_file()]
    assert missing == []


# ------------------------------------------------------------------------ fixture builds

VALID_INTRO = """# Fixture book

See {doc}`page`, {term}`token` and {cite}`howard2018ulmfit`.

```{glossary}
token
  A unit of text.
```

```{bibliography}
```
"""
NOTEBOOK = """---
jupytext:
  text_representation: {{extension: .md, format_name: myst}}
kernelspec: {{display_name: Python 3, language: python, name: python3}}
---
# Page

```{{code-cell}} ipython3
{code}
```
"""


def make_book(root: Path, intro: str, code: str) -> Path:
    """A book with the real _config.yml: chapters/intro (root), chapters/page (a notebook),
    and chapters/orphan, which the TOC does not list."""
    (root / "chapters").mkdir(parents=True)
    shutil.copy(REPO / "_config.yml", root / "_config.yml")
    for bib in CONFIG["bibtex_bibfiles"]:
        shutil.copy(REPO / bib, root / bib)
    (root / "_build" / "_vendor").mkdir(parents=True)  # the static folder `make site` fills
    toc = {"format": "jb-book", "root": "chapters/intro", "chapters": [{"file": "chapters/page"}]}
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))
    (root / "chapters" / "intro.md").write_text(intro)
    (root / "chapters" / "page.md").write_text(NOTEBOOK.format(code=code))
    (root / "chapters" / "orphan.md").write_text("# Not in the TOC\n")
    return root


def build(book: Path) -> tuple[int, str]:
    result = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(book), *BUILD_FLAGS],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TQDM_DISABLE": "1"},
    )
    return result.returncode, result.stdout + result.stderr


WIDGET_CELL = """print(6 * 7)
from book.widgets import explorer
explorer({"a": ["x", "y"]}, lambda choice: f"<b>view {choice['a']}</b>")"""


@pytest.mark.slow
def test_valid_fixture_builds_executes_and_leaves_unlisted_pages_out(tmp_path):
    book = make_book(tmp_path, VALID_INTRO, WIDGET_CELL)
    code, log = build(book)
    assert code == 0, log
    html = book / "_build" / "html"
    page = (html / "chapters" / "page.html").read_text()
    assert "42" in page
    # the executed notebook's widget state (views and links) is embedded, rendered by local JS
    state = page.split('<script type="application/vnd.jupyter.widget-state+json">')[1]
    state = json.loads(state.split("</script>")[0])["state"]
    models = [m["model_name"] for m in state.values()]
    assert models.count("StackModel") == 1 and "LinkModel" in models
    assert any("view y" in str(m["state"].get("value")) for m in state.values())
    assert '<script src="../_static/ipywidgets/embed-amd.js' in page
    assert "Howard and Ruder" in (html / "chapters" / "intro.html").read_text()
    assert not (html / "chapters" / "orphan.html").exists()
    assert pages_missing_from_toc(book, yaml.safe_load((book / "_toc.yml").read_text())) == [
        "chapters/orphan.md"
    ]


@pytest.mark.slow
def test_broken_references_fail_the_build(tmp_path):
    intro = VALID_INTRO.replace(
        "See {doc}`page`",
        "See {ref}`no-such-label`, {doc}`no_such_page`, {term}`no such term`,"
        " {cite}`nobody1999`, {doc}`page`",
    )
    code, log = build(make_book(tmp_path, intro, "print(1)"))
    assert code != 0
    for message in ("undefined label", "unknown document", "term not in glossary", "nobody1999"):
        assert message in log, f"expected a warning containing {message!r}:\n{log[-3000:]}"


@pytest.mark.slow
def test_a_failing_cell_fails_the_build(tmp_path):
    code, log = build(make_book(tmp_path, VALID_INTRO, "raise ValueError('boom in a cell')"))
    assert code != 0
    assert "Executing notebook failed" in log, log[-3000:]
