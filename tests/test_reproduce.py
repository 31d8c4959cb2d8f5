"""Tests for ``python -m mmdlib.reproduce``: argument errors, and resuming after a signal."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from mmdlib.experiments.results import load
from mmdlib.experiments.runner import run_setting
from mmdlib.experiments.scales import get_spec
from mmdlib.reproduce import main

REPO = Path(__file__).resolve().parents[1]
QUICK = ["--settings", "m=16", "--repeats", "2", "--chunk-size", "1", "--max-iterations", "30", "--dtype", "float64"]


@pytest.mark.parametrize("argv", [
    ["nope", "--out", "OUT"],
    ["mean", "--scale", "huge", "--out", "OUT"],
    ["mean", "--repeats", "0", "--out", "OUT"],
    ["mean", "--seed", "-1", "--out", "OUT"],
    ["mean", "--out", "FILE"],
    ["mean"],
    ["mean", "--settings", "m=3", "--out", "OUT"],
], ids=["experiment", "scale", "repeats", "seed", "out-is-file", "missing-out", "settings"])
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, argv):
    (tmp_path / "file").write_text("x")
    argv = [a.replace("OUT", str(tmp_path / "out")).replace("FILE", str(tmp_path / "file")) for a in argv]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "error:" in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown when CUDA is absent")
def test_cuda_request_without_cuda(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["mean", "--device", "cuda", "--out", str(tmp_path)])
    assert info.value.code == 2
    assert "torch.cuda.is_available() is False" in capsys.readouterr().err


def test_resume_with_other_settings_rejected(tmp_path, capsys):
    args = ["covariance_eps", "--out", str(tmp_path), "--repeats", "1", "--max-iterations", "2"]
    assert main(args) == 0
    assert main(args + ["--seed", "3"]) == 2
    assert "field 'base_seed' differs" in capsys.readouterr().err


def test_holdout_flag_records_chosen_sigma2(tmp_path):
    args = ["covariance_eps", "--out", str(tmp_path), "--repeats", "2", "--max-iterations", "2",
            "--settings", "eps=1", "--holdout"]
    assert main(args) == 0
    data = load(tmp_path / "covariance_eps-ci.json")
    osmmd = next(run for run in data["runs"] if run["method"] == "OSMMD")
    for sigma2 in osmmd["sigma2"]:
        assert min(abs(sigma2 / g - 1) for g in (0.1, 1.0, 10.0, 100.0)) < 1e-6
    assert data["spec"]["methods"][0]["holdout"] is True


def _command(out: Path) -> list[str]:
    return [sys.executable, "-m", "mmdlib.reproduce", "mean", "--out", str(out), *QUICK]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO), TQDM_DISABLE="1")


def _finished(path: Path) -> int:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return 0
    return sum(run["finished"] for run in data["runs"])


def _start_and_interrupt(out: Path, path: Path, at_least: int, signum: int) -> tuple[int, bytes]:
    """Start the quick run, wait until ``at_least`` repeats are saved, send ``signum``; return (rc, stderr)."""
    proc = subprocess.Popen(_command(out), env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _finished(path) < at_least and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.mark.slow
def test_interrupted_run_resumes_without_loss(tmp_path):
    path = tmp_path / "mean-ci.json"
    returncode, err = _start_and_interrupt(tmp_path, path, 1, signal.SIGTERM)
    assert returncode == 130
    assert b"run the same command again to resume" in err
    after_term = load(path)
    assert not after_term["complete"]

    # Resume, then kill the resumed run without warning once it has saved one more repeat.
    done_after_term = _finished(path)
    _start_and_interrupt(tmp_path, path, done_after_term + 1, signal.SIGKILL)
    after_kill = load(path)
    assert _finished(path) >= done_after_term + 1
    for old, new in zip(after_term["runs"], after_kill["runs"]):
        assert new["errors"][: old["finished"]] == old["errors"]

    subprocess.run(_command(tmp_path), env=_env(), check=True, capture_output=True, timeout=120)
    resumed = load(path)
    assert resumed["complete"]
    assert _finished(path) == 8
    for old, new in zip(after_kill["runs"], resumed["runs"]):
        assert new["errors"][: old["finished"]] == old["errors"]  # finished repeats are kept, not recomputed
        assert new["repeat_indices"] == [0, 1]

    # The resumed file equals an uninterrupted run, repeat by repeat.
    spec = get_spec("mean", "ci")
    spec = replace(spec, methods=tuple(replace(m, iterations=30) for m in spec.methods))
    for new in resumed["runs"]:
        ref = run_setting(spec, 0, new["method"], [0, 1], dtype=torch.float64)
        assert new["errors"] == pytest.approx(ref.errors.tolist(), rel=1e-9, abs=1e-12)


def test_out_below_a_file_exits_2_with_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["mean", "--out", str(tmp_path / "file" / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cannot create the folder (Not a directory)" in err


@pytest.mark.parametrize("out", ["", "  "], ids=["empty", "blank"])
def test_empty_out_exits_2_with_one_line(tmp_path, capsys, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="^2$"):
        main(["mean", "--out", out])
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "argument --out: must name a folder, got an empty string; use --out . for the current folder" in err
    assert list(tmp_path.iterdir()) == []
