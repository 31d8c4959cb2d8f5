"""Every chapter notebook is paired with its py:percent file, executed, on the python3 kernel and listed in the toc."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def _cells(path: Path) -> list[tuple[str, str]]:
    notebook = jupytext.read(path)
    return [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_book_has_notebooks():
    assert NOTEBOOKS, "book/ contains no chapter notebooks"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_pair_in_sync(notebook):
    script = notebook.with_suffix(".py")
    assert script.exists(), f"{notebook.name} has no paired {script.name}"
    assert _cells(notebook) == _cells(script), f"{notebook.name} and {script.name} differ; run jupytext --sync"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_executed(notebook):
    nb = nbformat.read(notebook, as_version=4)
    unexecuted = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and cell.execution_count is None]
    assert not unexecuted, f"{notebook.name}: code cells {unexecuted} were never executed"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_kernel_is_python3(notebook):
    nb = nbformat.read(notebook, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_installs_in_colab(notebook):
    nb = nbformat.read(notebook, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    url = CONFIG["repository"]["url"].rstrip("/")
    assert "import google.colab" in first.source
    assert f"mmdlib @ git+{url}@main" in first.source, "install cell not stamped; run tools/execute_notebooks.py"
    pip_lines = [line.strip() for line in first.source.splitlines() if "pip install" in line]
    assert pip_lines, "the install cell has no pip install line"
    assert all(line.startswith("%pip install") for line in pip_lines), f"commented-out install line: {pip_lines}"
    assert first.outputs == [], "the install cell must print nothing outside Colab"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_error_outputs(notebook):
    nb = nbformat.read(notebook, as_version=4)
    errors = [o.get("ename") for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs
              if o.output_type == "error"]
    assert not errors, f"{notebook.name} stored errors: {errors}"


def test_toc_lists_every_chapter():
    listed = set(_toc_files())
    missing = [p.stem for p in NOTEBOOKS if f"book/{p.stem}" not in listed]
    assert not missing, f"chapters missing from _toc.yml: {missing}"


def test_toc_entries_exist():
    absent = [f for f in _toc_files() if not any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb"))]
    assert not absent, f"_toc.yml lists files that do not exist: {absent}"
