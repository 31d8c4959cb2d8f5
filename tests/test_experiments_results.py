"""Tests for results files: a valid file loads, damaged files fail naming the file and the field."""

import json

import pytest

from mmdlib.experiments.results import ResultsError, load, save, success_table, validate
from mmdlib.experiments.success import wilson_interval


def _valid():
    return {
        "format": "mmdlib-experiment-results", "format_version": 1, "experiment": "mean", "scale": "ci",
        "device": "cpu", "dtype": "float32", "base_seed": 0, "spec": {}, "versions": {}, "wall_time_s": 1.0,
        "complete": True,
        "runs": [{
            "setting": "m=16", "method": "MLE", "m": 16, "repeats": 2, "finished": 2, "repeat_indices": [0, 1],
            "seeds": [5, 6], "errors": [0.01, 0.5], "success": [True, False], "diverged": [False, False],
            "sigma2": [None, None], "final_params": {"mu": [[0.0], [1.0]]}, "history_steps": [0, 9],
            "loss_history": [[1.0, 0.5], [2.0, 1.0]], "successes": 1, "wilson95": list(wilson_interval(1, 2)),
        }],
    }


def test_valid_file_round_trips(tmp_path):
    path = tmp_path / "r.json"
    save(path, _valid())
    data = load(path)
    assert data == _valid()
    row = success_table(data)[0]
    assert (row["successes"], row["trials"], row["rate"]) == (1, 2, 0.5)


def test_truncated_file_names_file(tmp_path):
    path = tmp_path / "r.json"
    save(path, _valid())
    path.write_text(path.read_text()[:200])
    with pytest.raises(ResultsError, match=r"r\.json: field '<top level>' is not valid JSON"):
        load(path)


@pytest.mark.parametrize(("edit", "field"), [
    (lambda d: d.pop("runs"), "runs"),
    (lambda d: d["runs"][0].__setitem__("successes", 2), r"runs\[0\]\.successes"),
    (lambda d: d["runs"][0].__setitem__("errors", [0.1]), r"runs\[0\]\.errors"),
    (lambda d: d["runs"][0].__setitem__("wilson95", [0.0, 1.0]), r"runs\[0\]\.wilson95"),
    (lambda d: d["runs"][0]["success"].__setitem__(0, 1), r"runs\[0\]\.success"),
    (lambda d: d.__setitem__("format_version", 7), "format_version"),
    (lambda d: d.__setitem__("base_seed", "zero"), "base_seed"),
    (lambda d: d["runs"][0].__setitem__("repeats", 5), "complete"),
], ids=["missing-runs", "success-count", "short-errors", "wilson", "flag-type", "version", "seed-type",
        "complete-flag"])
def test_edited_file_names_field(tmp_path, edit, field):
    data = _valid()
    edit(data)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match=rf"r\.json: field '{field}'"):
        load(path)


def test_nan_constant_rejected(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(_valid()).replace("0.01", "NaN"))
    with pytest.raises(ResultsError, match="not valid JSON"):
        load(path)


def test_missing_file(tmp_path):
    with pytest.raises(ResultsError, match="cannot read results file"):
        load(tmp_path / "absent.json")


def test_validate_rejects_non_object():
    with pytest.raises(ResultsError, match="must be a JSON object"):
        validate([1, 2])


def test_binary_file_names_file(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes(b"\xff\xfe\x00 not json")
    with pytest.raises(ResultsError, match=r"r\.json: field '<top level>' is not UTF-8 text"):
        load(path)


@pytest.mark.parametrize(("edit", "field", "problem"), [
    (lambda d: d["runs"][0]["loss_history"][1].__setitem__(0, "high"), r"runs\[0\]\.loss_history\[1\]\[0\]",
     "must be a number or null, got 'high'"),
    (lambda d: d["runs"][0]["seeds"].__setitem__(1, 6.5), r"runs\[0\]\.seeds\[1\]",
     "must be a non-negative integer, got 6.5"),
    (lambda d: d["runs"][0].__setitem__("repeat_indices", [1, 1]), r"runs\[0\]\.repeat_indices",
     r"must not repeat an entry, but \[1\] occur"),
    (lambda d: d.__setitem__("experiment", "means"), "experiment", "must be one of .*'mean'.*, got 'means'"),
], ids=["history-string", "float-seed", "duplicate-repeat", "unknown-experiment"])
def test_edited_values_name_field_and_problem(tmp_path, edit, field, problem):
    data = _valid()
    edit(data)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match=rf"r\.json: field '{field}' {problem}"):
        load(path)
