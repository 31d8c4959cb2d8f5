"""Tests for live runs inside chapters: records, joining, the fallback choice, and agreement with reproduce."""

import json

import pytest
import torch

import mmdlib.reproduce as reproduce
from mmdlib.experiments import results as results_io
from mmdlib.experiments.live import collect, format_records, load_or_fallback, run_method
from mmdlib.experiments.spec import ExperimentSpec, Method, Setting

METHODS = (
    Method("MMD", "mmd", lr=0.1, iterations=4, repeats=3, sigma2=2.0),
    Method("MLE", "mle", lr=0.1, iterations=4, repeats=2),
)


def _tiny(scale: str = "ci") -> ExperimentSpec:
    settings = (Setting("m=8", 8), Setting("m=12", 12))
    return ExperimentSpec("mean", scale, 3, settings, METHODS, threshold=0.5)


@pytest.fixture(scope="module")
def records():
    spec = _tiny()
    return {m.name: run_method(spec, m.name, base_seed=5) for m in METHODS}


def test_run_method_returns_one_valid_record_per_setting(records):
    mmd = records["MMD"]
    assert [r["setting"] for r in mmd] == ["m=8", "m=12"]
    assert all(r["finished"] == r["repeats"] == 3 for r in mmd)
    assert all(len(r["final_params"]["mu"]) == 3 for r in mmd)
    assert records["MLE"][0]["finished"] == 2


def test_run_method_caps_repeats():
    capped = run_method(_tiny(), "MMD", base_seed=5, repeats=1)
    assert [r["finished"] for r in capped] == [1, 1]


def test_run_method_rejects_bad_arguments():
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        run_method(_tiny(), "MMD", repeats=0)
    with pytest.raises(KeyError, match="has no method 'WGAN'"):
        run_method(_tiny(), "WGAN")


def test_collect_orders_runs_like_reproduce(records):
    data = collect(_tiny(), [records["MLE"], records["MMD"]], base_seed=5)
    assert [(r["setting"], r["method"]) for r in data["runs"]] == [
        ("m=8", "MMD"), ("m=8", "MLE"), ("m=12", "MMD"), ("m=12", "MLE")]
    assert data["complete"]
    assert results_io.validate(data) is data


def test_collect_rejects_missing_and_duplicate_records(records):
    with pytest.raises(ValueError, match="no record for setting 'm=8' and method 'MLE'"):
        collect(_tiny(), [records["MMD"]])
    with pytest.raises(ValueError, match="two records for setting 'm=8' and method 'MMD'"):
        collect(_tiny(), [records["MMD"], records["MMD"], records["MLE"]])


def test_live_run_equals_reproduce_file(records, tmp_path, monkeypatch):
    spec = _tiny()
    monkeypatch.setattr(reproduce, "get_spec", lambda experiment, scale: spec)
    status = reproduce.main(["mean", "--scale", "ci", "--seed", "5", "--out", str(tmp_path)])
    assert status == 0
    stored = results_io.load(tmp_path / "mean-ci.json")
    live = collect(spec, [records["MMD"], records["MLE"]], base_seed=5)
    assert live["spec"] == stored["spec"]
    for a, b in zip(live["runs"], stored["runs"]):
        assert (a["setting"], a["method"], a["seeds"], a["success"]) == (b["setting"], b["method"], b["seeds"],
                                                                        b["success"])
        assert a["errors"] == pytest.approx(b["errors"], rel=1e-5)
        assert torch.allclose(torch.tensor(a["final_params"]["mu"]), torch.tensor(b["final_params"]["mu"]),
                              rtol=1e-5, atol=1e-6)


def test_fallback_when_file_is_absent(records, tmp_path):
    live = collect(_tiny(), [records["MMD"], records["MLE"]], base_seed=5, repeats_cap=3)
    shown, message = load_or_fallback(tmp_path / "mean.json", live)
    assert shown is live
    assert message == (f"{tmp_path / 'mean.json'} is absent, so this page shows its own ci-scale run of 'mean' "
                       "(at most 3 repeats per point) in place of the paper-scale results.")


def test_stored_file_wins_over_fallback(records, tmp_path):
    live = collect(_tiny(), [records["MMD"], records["MLE"]], base_seed=5)
    stored = json.loads(json.dumps(live))
    stored["scale"], stored["repeats_cap"], stored["complete"] = "paper", 2, False
    stored["runs"][0]["repeats"] = 9
    path = tmp_path / "mean.json"
    results_io.save(path, stored)
    shown, message = load_or_fallback(path, live)
    assert shown["scale"] == "paper"
    assert message == (f"Loaded {path}: 'mean' at the paper scale (incomplete, 10 of 16 repeats finished; "
                       "repeats capped at 2 per point).")


def test_stored_file_of_another_experiment_is_rejected(records, tmp_path):
    live = collect(_tiny(), [records["MMD"], records["MLE"]], base_seed=5)
    other = dict(live, experiment="covariance")
    path = tmp_path / "mean.json"
    results_io.save(path, other)
    with pytest.raises(results_io.ResultsError, match="field 'experiment' is 'covariance', expected 'mean'"):
        load_or_fallback(path, live)


def test_invalid_stored_file_is_rejected(records, tmp_path):
    live = collect(_tiny(), [records["MMD"], records["MLE"]], base_seed=5)
    path = tmp_path / "mean.json"
    path.write_text('{"format": "mmdlib-experiment-results"')
    with pytest.raises(results_io.ResultsError, match="not valid JSON"):
        load_or_fallback(path, live)


def test_format_records_lines(records):
    lines = format_records(records["MLE"]).splitlines()
    assert len(lines) == 2
    first = records["MLE"][0]
    low, high = first["wilson95"]
    assert lines[0] == (f"MLE at m=8: {first['successes']}/2 succeeded, Wilson 95% interval "
                        f"[{low:.2f}, {high:.2f}]")
