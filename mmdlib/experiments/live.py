"""Run an experiment inside a chapter, and choose between a stored paper-scale results file and that run.

A chapter calls :func:`run_method` once per method, which trains every setting of the experiment with
:func:`mmdlib.experiments.runner.run_setting` and returns the run records of a results file (the format of
:mod:`mmdlib.experiments.results`). :func:`collect` joins the records of all methods into one validated
results dict, so the figures and verdicts of a chapter read a live run and a file written by
``python -m mmdlib.reproduce`` through the same code. :func:`load_or_fallback` returns the stored file when
it exists and the live run otherwise, with one line that names the choice.
"""

from __future__ import annotations

import json
import math
import platform
from pathlib import Path

import numpy as np
import scipy
import torch

import mmdlib
from mmdlib._validation import check_integer
from mmdlib.experiments import results as results_io
from mmdlib.experiments.results import FORMAT, FORMAT_VERSION, to_json_number
from mmdlib.experiments.runner import RunResult, run_setting
from mmdlib.experiments.spec import ExperimentSpec, Method, Setting
from mmdlib.experiments.success import wilson_interval


def run_record(setting: Setting, method: Method, target: int, result: RunResult) -> dict:
    """Build one ``runs`` entry of a results file from a finished :class:`RunResult`.

    Args:
        setting: the x-axis point that ran; method: the method that ran.
        target: the number of repeats the record stands for (its ``repeats`` field).
        result: the outcome of all ``target`` repeats.

    Returns:
        A dict with the fields :func:`mmdlib.experiments.results.validate` checks.
    """
    finished = len(result.repeat_indices)
    successes = int(result.success.sum())
    params = {name: value.cpu().double().tolist() for name, value in result.final_params.items()}
    history = [[to_json_number(v) for v in row] for row in result.loss_history.cpu().tolist()]
    return {
        "setting": setting.label, "method": method.name, "m": setting.m, "repeats": target,
        "finished": finished, "repeat_indices": list(result.repeat_indices), "seeds": list(result.seeds),
        "errors": [to_json_number(e) for e in result.errors.tolist()],
        "success": [bool(s) for s in result.success.tolist()],
        "diverged": [bool(s) for s in result.diverged.tolist()],
        "sigma2": [to_json_number(s) for s in result.sigma2.tolist()],
        "final_params": params, "history_steps": list(result.history_steps), "loss_history": history,
        "successes": successes, "wilson95": list(wilson_interval(successes, finished)),
    }


def run_method(
    spec: ExperimentSpec,
    method_name: str,
    *,
    base_seed: int = 0,
    repeats: int | None = None,
    dtype: torch.dtype = torch.float32,
    history_points: int = 50,
) -> list[dict]:
    """Train one method at every setting of ``spec``, all repeats of a setting in one batch, on the CPU.

    Repeat k of setting s uses the seed ``repeat_seed(base_seed, s, k)``, as ``python -m mmdlib.reproduce``
    does, so a chapter's live run at the CI scale reproduces the CI results file of the same seed up to
    floating-point reduction order.

    Args:
        spec: the experiment at one scale (:func:`mmdlib.experiments.scales.get_spec`).
        method_name: the name of one of ``spec.methods``.
        base_seed: non-negative seed of the whole experiment.
        repeats: cap on the repeats per setting; None runs the method's own count.
        dtype: float32 or float64.
        history_points: loss values kept per repeat.

    Returns:
        One run record (see :func:`run_record`) per setting, in the order of ``spec.settings``.

    Raises:
        TypeError, ValueError: if ``repeats`` or ``base_seed`` is not a positive (non-negative) integer.
        KeyError: if ``spec`` has no method called ``method_name``.
    """
    check_integer("base_seed", base_seed, minimum=0)
    method = spec.method(method_name)
    target = method.repeats if repeats is None else min(method.repeats, check_integer("repeats", repeats, minimum=1))
    records = []
    for index, setting in enumerate(spec.settings):
        result = run_setting(spec, index, method.name, range(target), base_seed=base_seed, device="cpu",
                             dtype=dtype, history_points=history_points)
        records.append(run_record(setting, method, target, result))
    return records


def collect(spec: ExperimentSpec, records: list[list[dict]], *, base_seed: int = 0,
            repeats_cap: int | None = None, dtype: torch.dtype = torch.float32) -> dict:
    """Join the records of :func:`run_method`, one list per method, into a validated results dict.

    The runs are ordered setting by setting and, within a setting, in the order of ``spec.methods``, as
    in a file written by ``python -m mmdlib.reproduce``.

    Raises:
        ValueError: if a (setting, method) pair of ``spec`` has no record or has two.
        mmdlib.experiments.results.ResultsError: if the joined dict is inconsistent.
    """
    by_pair: dict[tuple[str, str], dict] = {}
    for method_records in records:
        for record in method_records:
            key = (record["setting"], record["method"])
            if key in by_pair:
                raise ValueError(f"two records for setting {key[0]!r} and method {key[1]!r}; pass each "
                                 "method's records once")
            by_pair[key] = record
    runs = []
    for setting in spec.settings:
        for method in spec.methods:
            key = (setting.label, method.name)
            if key not in by_pair:
                raise ValueError(f"no record for setting {key[0]!r} and method {key[1]!r}; run "
                                 f"run_method(spec, {method.name!r}) and pass its records")
            runs.append(by_pair.pop(key))
    if by_pair:
        extra = ", ".join(f"{s}/{m}" for s, m in by_pair)
        raise ValueError(f"records for pairs that {spec.experiment!r} at scale {spec.scale!r} lacks: {extra}")
    data = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "experiment": spec.experiment, "scale": spec.scale,
        "base_seed": base_seed, "device": "cpu", "device_name": "cpu (run inside a chapter)",
        "dtype": "float64" if dtype == torch.float64 else "float32", "repeats_cap": repeats_cap,
        "max_iterations": None, "spec": json.loads(json.dumps(spec.to_dict())), "versions": _versions(),
        "wall_time_s": 0.0,
        "complete": all(r["finished"] == r["repeats"] for r in runs), "runs": runs,
    }
    return results_io.validate(data, f"<live run of {spec.experiment} at scale {spec.scale}>")


def _versions() -> dict[str, str]:
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__, "mmdlib": mmdlib.__version__}


def load_or_fallback(path: str | Path, fallback: dict) -> tuple[dict, str]:
    """Return the results file at ``path`` if it exists, else ``fallback``, with one line naming the choice.

    The line contains no time or machine detail, so a chapter that prints it gives the same output on every
    run with the same files.

    Args:
        path: the stored results file, e.g. ``results/mean.json`` relative to the chapter.
        fallback: a results dict of the same experiment, usually the chapter's live run from :func:`collect`.

    Returns:
        (results dict, message).

    Raises:
        mmdlib.experiments.results.ResultsError: if the file exists but is invalid, or holds another
            experiment than ``fallback``.
    """
    path = Path(path)
    experiment = fallback["experiment"]
    if not path.exists():
        cap = fallback.get("repeats_cap")
        limit = f" (at most {cap} repeats per point)" if cap is not None else ""
        message = (f"{path} is absent, so this page shows its own {fallback['scale']}-scale run of "
                   f"{experiment!r}{limit} in place of the paper-scale results.")
        return fallback, message
    data = results_io.load(path)
    if data["experiment"] != experiment:
        raise results_io.ResultsError(f"{path}: field 'experiment' is {data['experiment']!r}, expected "
                                      f"{experiment!r}; copy the matching file from runs/")
    done = sum(r["finished"] for r in data["runs"])
    total = sum(r["repeats"] for r in data["runs"])
    details = ["complete" if data["complete"] else f"incomplete, {done} of {total} repeats finished"]
    if data.get("repeats_cap") is not None:
        details.append(f"repeats capped at {data['repeats_cap']} per point")
    if data.get("max_iterations") is not None:
        details.append(f"iterations capped at {data['max_iterations']}, so not a reproduction")
    message = f"Loaded {path}: {experiment!r} at the {data['scale']} scale ({'; '.join(details)})."
    return data, message


def format_records(records: list[dict]) -> str:
    """One line per record: method, setting, successes out of finished repeats and the Wilson 95% interval."""
    lines = []
    for record in records:
        low, high = record["wilson95"] if record["wilson95"] else (math.nan, math.nan)
        lines.append(f"{record['method']} at {record['setting']}: {record['successes']}/{record['finished']} "
                     f"succeeded, Wilson 95% interval [{low:.2f}, {high:.2f}]")
    return "\n".join(lines)
