"""Stored notebook outputs do not depend on the working directory or on the number of CPU threads.

nbval re-executes a copy of a chapter in a temporary folder, which becomes the kernel's working directory.
It runs with one OpenMP/torch thread and compares every cell with the stored outputs. Those were made in
book/ with the machine's default thread count.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Fast chapters that still exercise closed forms, autograd, Monte Carlo and landscape searches.
CHAPTERS = ["thm1_gaussian_mean", "errata"]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebook_outputs_with_one_thread_elsewhere(chapter, tmp_path):
    notebook = tmp_path / f"{chapter}.ipynb"
    shutil.copyfile(ROOT / "book" / notebook.name, notebook)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", TQDM_DISABLE="1")
    env.pop("MPLBACKEND", None)
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
        "--rootdir", str(tmp_path), "--nbval", "--nbval-current-env",
        f"--nbval-sanitize-with={ROOT / 'tests' / 'nbval_sanitize.cfg'}", str(notebook),
    ]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"nbval from {tmp_path} with one thread failed:\n{result.stdout[-4000:]}"
    assert "passed" in result.stdout
