"""Rebuild and re-execute the book's notebooks from their py:percent sources, byte-stable from run to run.

Usage (from the repository root):
    python tools/execute_notebooks.py                 # every chapter in book/
    python tools/execute_notebooks.py book/thm1_gaussian_mean.py

The .py file is the source of truth: the notebook is rebuilt from it, the repository URL from _config.yml
is stamped into the Colab install cell, and nbconvert executes it in place with tools/nbexec_config.py,
which drops timings and volatile metadata.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import yaml

ROOT = Path(__file__).resolve().parents[1]
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
INSTALL_PATTERN = re.compile(r'mmdlib @ git\+https://github\.com/[^"@\s]+@main')


def repository_url() -> str:
    """Return the repository URL set in _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


def stamp_install_cell(source: str, url: str) -> str:
    """Point the Colab install line at the configured repository."""
    return INSTALL_PATTERN.sub(f"mmdlib @ git+{url}@main", source)


def rebuild_notebook(py_path: Path, url: str) -> Path:
    """Write NAME.ipynb from NAME.py with the python3 kernelspec and the stamped install cell."""
    text = stamp_install_cell(py_path.read_text(), url)
    if text != py_path.read_text():
        py_path.write_text(text)
    notebook = jupytext.reads(text, fmt="py:percent")
    notebook.metadata["kernelspec"] = KERNELSPEC
    notebook.metadata.setdefault("jupytext", {})["formats"] = "ipynb,py:percent"
    ipynb_path = py_path.with_suffix(".ipynb")
    jupytext.write(notebook, ipynb_path)
    return ipynb_path


def execute(ipynb_path: Path) -> None:
    """Execute a notebook in place with nbconvert and the byte-stable settings."""
    env = dict(os.environ, TQDM_DISABLE="1")
    env.pop("MPLBACKEND", None)
    command = [
        sys.executable, "-m", "jupyter", "nbconvert", "--config", str(ROOT / "tools" / "nbexec_config.py"),
        "--to", "notebook", "--execute", "--inplace", str(ipynb_path),
    ]
    subprocess.run(command, check=True, env=env, cwd=ipynb_path.parent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="chapter .py or .ipynb files (default: all of book/)")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(p for p in (ROOT / "book").glob("*.py"))
    url = repository_url()
    for path in paths:
        py_path = path.with_suffix(".py").resolve()
        if not py_path.exists():
            parser.error(f"no py:percent source for {path}: expected {py_path}")
        print(f"executing {py_path.relative_to(ROOT)}", flush=True)
        execute(rebuild_notebook(py_path, url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
