"""Install mmdlib from a wheel into a fresh virtual environment and use it from outside the repository.

This is how Colab gets the package: the chapter notebook alone, with mmdlib installed into site-packages and
no source tree on the path. The wheel is built from a copy of the files git tracks, so an untracked module
or a missing package-data rule shows up here and not first in Colab. The fresh environment gets the
wheel, mmdlib's own (loose) dependencies, the torch build of the test's environment pinned exactly (so
pip takes the same wheel and never a multi-GB CUDA build), and ipykernel for running a chapter.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
import yaml

from book_toc import toc_files

ROOT = Path(__file__).resolve().parents[1]
SOURCE_PACKAGE = ROOT / "mmdlib"
INSTALL_TIMEOUT_S = 1800
NOTEBOOK_TIMEOUT_S = 1800
KERNEL_NAME = "mmdlib-wheel"
VENV_CACHE = ROOT / "_build" / "packaging-venv"
EXTRA_PACKAGES = ["ipykernel"]
PROBE_SOURCE = "import sys\nimport mmdlib\nprint(mmdlib.__file__)\nprint(sys.executable)"

pytestmark = pytest.mark.slow


def chapter_to_run() -> Path | None:
    """Return the Theorem 1 chapter if _toc.yml lists it, else the first listed chapter notebook, else None."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    notebooks = [ROOT / f"{name}.ipynb" for name in toc_files(toc) if (ROOT / f"{name}.ipynb").exists()]
    theorem1 = [path for path in notebooks if path.name.startswith("thm1")]
    return (theorem1 or notebooks or [None])[0]


def clean_environment(**extra: str) -> dict[str, str]:
    """Return os.environ without the variables that would put the source tree or another venv on sys.path."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "MPLBACKEND", "JUPYTER_PATH")}
    env.update(extra)
    return env


def _run(command: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> str:
    """Run a command and return its standard output; fail the test with the output's tail when it fails."""
    result = subprocess.run(command, cwd=cwd, env=env if env is not None else clean_environment(),
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        output = result.stdout + result.stderr
        pytest.fail(f"{' '.join(command)} exited with {result.returncode}:\n{output[-5000:]}")
    return result.stdout


def _tracked_files() -> list[str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed, so the tracked files cannot be listed")
    result = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"{ROOT} is not a git work tree: {result.stderr.strip()}")
    return [path for path in result.stdout.split("\0") if path and (ROOT / path).is_file()]


@pytest.fixture(scope="module")
def tracked() -> list[str]:
    return _tracked_files()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, tracked: list[str]) -> Path:
    """Build the mmdlib wheel from a copy of the tracked files, so untracked files cannot leak into it."""
    source = tmp_path_factory.mktemp("tracked_source")
    for name in tracked:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-input", "-q", "-w", str(dist)]
    try:
        import setuptools  # noqa: F401 (only probes whether an isolated build environment can be skipped)
        command.append("--no-build-isolation")
    except ImportError:
        pass
    # The path must be absolute: a bare folder name is looked up as a package name on the index.
    _run(command + [str(source.resolve())], cwd=dist, timeout=INSTALL_TIMEOUT_S)
    wheels = sorted(dist.glob("mmdlib-*.whl"))
    assert len(wheels) == 1, f"expected one mmdlib wheel in {dist}, found {[w.name for w in wheels]}"
    return wheels[0]


def _environment_key(wheel: Path) -> str:
    """Hash what decides the environment's contents: Python, torch, the kernel and mmdlib's dependencies."""
    with zipfile.ZipFile(wheel) as archive:
        metadata_name = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        metadata = archive.read(metadata_name).decode()
    requirements = sorted(line for line in metadata.splitlines() if line.startswith("Requires-Dist:"))
    parts = [sys.version, str(torch.__version__), *EXTRA_PACKAGES, *requirements]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@pytest.fixture(scope="module")
def venv_python(wheel: Path) -> Path:
    """Return the python of a virtual environment without system site-packages, holding the wheel just built.

    The environment (about 1 GB, mostly torch) lives in _build/packaging-venv/KEY, where KEY hashes mmdlib's
    dependencies and the torch version. A fresh clone, as in CI, installs it from scratch. A developer's later
    runs reuse it and only reinstall the mmdlib wheel. An environment of another key is removed.
    """
    key = _environment_key(wheel)
    venv = VENV_CACHE / key
    python = venv / "bin" / "python"
    complete = venv / "install-complete"
    for stale in VENV_CACHE.glob("*") if VENV_CACHE.exists() else []:
        if stale != venv or not complete.exists():
            shutil.rmtree(stale, ignore_errors=True)
    VENV_CACHE.mkdir(parents=True, exist_ok=True)

    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-input", "--no-compile", "-q"]
    if not complete.exists():
        _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=VENV_CACHE, timeout=INSTALL_TIMEOUT_S)
        # The outer pip installs into the new environment (pip >= 22.3), which saves bootstrapping pip there.
        # --no-compile skips byte-compiling all of torch; the modules a test imports are compiled on import.
        _run(pip + [str(wheel), f"torch=={torch.__version__}", *EXTRA_PACKAGES], cwd=VENV_CACHE,
             timeout=INSTALL_TIMEOUT_S)
        complete.write_text(key + "\n")
    # A reused environment holds an earlier build with the same version number, which pip would keep.
    _run(pip + ["--force-reinstall", "--no-deps", str(wheel)], cwd=VENV_CACHE, timeout=INSTALL_TIMEOUT_S)
    _run([sys.executable, "-m", "pip", "--python", str(python), "check"], cwd=VENV_CACHE, timeout=300)
    return python


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return an empty working folder outside the repository."""
    folder = tmp_path_factory.mktemp("outside")
    assert ROOT not in folder.resolve().parents
    return folder


def test_wheel_contains_tracked_package_files(wheel: Path, tracked: list[str]):
    with zipfile.ZipFile(wheel) as archive:
        packaged = set(archive.namelist())
    expected = {name for name in tracked if name.startswith("mmdlib/")}
    assert "mmdlib/__init__.py" in expected
    missing = sorted(expected - packaged)
    assert not missing, (f"tracked files missing from {wheel.name} (add package data to pyproject.toml): "
                         f"{missing}")


# Imports every module of the installed mmdlib, which finds an import of a package that pyproject.toml does
# not declare, then prints what the tests check as JSON.
INSTALLED_PROBE = """
import importlib, json, pkgutil, sys
import mmdlib, torch
names = sorted(m.name for m in pkgutil.walk_packages(mmdlib.__path__, "mmdlib.") if not m.name.endswith("__main__"))
for name in names:
    importlib.import_module(name)
print(json.dumps({"file": mmdlib.__file__, "prefix": sys.prefix, "torch": torch.__version__, "modules": names}))
"""


@pytest.fixture(scope="module")
def installed(venv_python: Path, outside: Path) -> dict:
    """Run INSTALLED_PROBE with the fresh environment's python from outside the repository."""
    output = _run([str(venv_python), "-c", INSTALLED_PROBE], cwd=outside, timeout=600)
    return json.loads(output.strip().splitlines()[-1])


def test_installed_mmdlib_comes_from_site_packages(installed: dict):
    module_file = Path(installed["file"])
    site_packages = sorted(Path(installed["prefix"]).glob("lib/python*/site-packages"))
    assert site_packages, f"no site-packages under {installed['prefix']}"
    assert site_packages[0] in module_file.parents, f"mmdlib imported from {module_file}, not {site_packages[0]}"
    assert SOURCE_PACKAGE not in module_file.resolve().parents, f"mmdlib imported from the source: {module_file}"
    assert installed["torch"] == torch.__version__


def test_every_installed_module_imports(installed: dict, tracked: list[str]):
    expected = {name.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for name in tracked
                if name.startswith("mmdlib/") and name.endswith(".py") and not name.endswith("__main__.py")}
    expected.discard("mmdlib")
    assert expected, "no tracked module under mmdlib/"
    assert set(installed["modules"]) == expected, (
        f"imported {installed['modules']}, expected the tracked modules {sorted(expected)}")


def _write_kernelspec(jupyter_path: Path, python: Path) -> None:
    kernel_dir = jupyter_path / "kernels" / KERNEL_NAME
    kernel_dir.mkdir(parents=True)
    spec = {"argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "mmdlib from wheel", "language": "python"}
    (kernel_dir / "kernel.json").write_text(json.dumps(spec))


def test_chapter_runs_against_installed_package(venv_python: Path, outside: Path):
    chapter = chapter_to_run()
    if chapter is None:
        pytest.skip("_toc.yml lists no chapter notebook that exists yet, so there is no chapter to run")
    import nbformat

    notebook = nbformat.read(chapter, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(PROBE_SOURCE))
    copy = outside / chapter.name
    nbformat.write(notebook, copy)
    jupyter_path = outside / "jupyter"
    _write_kernelspec(jupyter_path, venv_python)

    env = clean_environment(JUPYTER_PATH=str(jupyter_path), TQDM_DISABLE="1", JUPYTER_PLATFORM_DIRS="1")
    _run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--output", "executed",
          f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}",
          f"--ExecutePreprocessor.timeout={NOTEBOOK_TIMEOUT_S}", copy.name],
         cwd=outside, timeout=NOTEBOOK_TIMEOUT_S, env=env)

    executed = nbformat.read(outside / "executed.ipynb", as_version=4)
    probe_lines = "".join(output.get("text", "") for output in executed.cells[0].outputs).split()
    assert len(probe_lines) == 2, f"unexpected probe output {probe_lines}"
    module_file, executable = Path(probe_lines[0]), Path(probe_lines[1])
    assert executable == venv_python, f"the kernel ran {executable}, not {venv_python}"
    assert "site-packages" in module_file.parts, f"the chapter imported mmdlib from {module_file}"
    assert SOURCE_PACKAGE not in module_file.resolve().parents, "the chapter imported mmdlib from the source tree"
    errors = [output for cell in executed.cells for output in cell.get("outputs", [])
              if output.output_type == "error"]
    assert not errors, f"{chapter.name} raised: {[(e.ename, e.evalue) for e in errors]}"
