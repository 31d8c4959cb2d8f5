"""Results files of ``python -m mmdlib.reproduce``: plain JSON, written atomically, validated on load.

A file contains the experiment's spec, the seeds, library versions, device, wall time and, for each
(setting, method) pair, the finished repeats with their errors, success flags, final parameters and loss
histories, plus the success count and its Wilson 95% interval. :func:`load` checks every field it reads,
so a truncated or hand-edited file fails with an error naming the file and the field. No pickle is used.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from mmdlib.experiments import EXPERIMENTS
from mmdlib.experiments.success import wilson_interval

FORMAT = "mmdlib-experiment-results"
FORMAT_VERSION = 1


class ResultsError(ValueError):
    """A results file is missing, unreadable or inconsistent; the message names the file and the field."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def to_json_number(value: float) -> float | None:
    """``value`` as a float, or None (JSON null) when it is NaN or infinite."""
    value = float(value)
    return value if math.isfinite(value) else None


def save(path: str | Path, data: dict) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, then ``os.replace``.

    A process killed while writing leaves the previous file intact.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, allow_nan=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str) -> ResultsError:
        return ResultsError(f"{self.path}: field '{field}' {problem}")

    def get(self, obj: dict, key: str, kind: type | tuple[type, ...], where: str = "") -> Any:
        field = f"{where}{key}"
        if key not in obj:
            raise self.fail(field, "is missing; the file is truncated or was not written by mmdlib.reproduce")
        value = obj[key]
        ok = isinstance(value, kind) and not (isinstance(value, bool) and bool not in _as_tuple(kind))
        if not ok:
            names = "/".join(k.__name__ for k in _as_tuple(kind))
            raise self.fail(field, f"must be {names}, got {type(value).__name__} {str(value)[:40]}")
        return value

    def number_list(self, obj: dict, key: str, length: int, where: str, nullable: bool = False) -> list:
        values = self.get(obj, key, list, where)
        if len(values) != length:
            raise self.fail(f"{where}{key}", f"has {len(values)} entries, expected {length} (one per finished repeat)")
        for i, v in enumerate(values):
            if v is None and nullable:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise self.fail(f"{where}{key}[{i}]", f"must be a number, got {v!r}")
        return values

    def integer_list(self, obj: dict, key: str, length: int, where: str, unique: bool = False) -> list:
        values = self.get(obj, key, list, where)
        if len(values) != length:
            raise self.fail(f"{where}{key}", f"has {len(values)} entries, expected {length} (one per finished repeat)")
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise self.fail(f"{where}{key}[{i}]", f"must be a non-negative integer, got {v!r}")
        if unique and len(set(values)) != len(values):
            repeated = sorted({v for v in values if values.count(v) > 1})
            raise self.fail(f"{where}{key}", f"must not repeat an entry, but {repeated[:10]} occur more than once")
        return values


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def validate(data: Any, path: str | Path = "<memory>") -> dict:
    """Check the structure and internal consistency of a results dict; return it unchanged.

    Raises:
        ResultsError: naming ``path`` and the first invalid field.
    """
    check = _Checker(Path(path))
    if not isinstance(data, dict):
        raise check.fail("<top level>", f"must be a JSON object, got {type(data).__name__}")
    if check.get(data, "format", str) != FORMAT:
        raise check.fail("format", f"must be {FORMAT!r}, got {data['format']!r}")
    if check.get(data, "format_version", int) != FORMAT_VERSION:
        raise check.fail("format_version", f"must be {FORMAT_VERSION}, got {data['format_version']}")
    for key in ("experiment", "scale", "device", "dtype"):
        check.get(data, key, str)
    if data["experiment"] not in EXPERIMENTS:
        raise check.fail("experiment", f"must be one of {list(EXPERIMENTS)}, got {data['experiment']!r}")
    check.get(data, "base_seed", int)
    check.get(data, "spec", dict)
    check.get(data, "versions", dict)
    check.get(data, "wall_time_s", (int, float))
    complete = check.get(data, "complete", bool)
    runs = check.get(data, "runs", list)
    for i, run in enumerate(runs):
        where = f"runs[{i}]."
        if not isinstance(run, dict):
            raise check.fail(f"runs[{i}]", "must be a JSON object")
        check.get(run, "setting", str, where)
        check.get(run, "method", str, where)
        check.get(run, "m", int, where)
        target = check.get(run, "repeats", int, where)
        finished = check.get(run, "finished", int, where)
        if not 0 <= finished <= target:
            raise check.fail(f"{where}finished", f"must lie in [0, repeats={target}], got {finished}")
        check.integer_list(run, "repeat_indices", finished, where, unique=True)
        check.integer_list(run, "seeds", finished, where)
        check.number_list(run, "errors", finished, where, nullable=True)
        check.number_list(run, "sigma2", finished, where, nullable=True)
        for key in ("success", "diverged"):
            flags = check.get(run, key, list, where)
            if len(flags) != finished or not all(isinstance(f, bool) for f in flags):
                raise check.fail(f"{where}{key}", f"must be a list of {finished} booleans")
        params = check.get(run, "final_params", dict, where)
        for name, rows in params.items():
            if not isinstance(rows, list) or len(rows) != finished:
                raise check.fail(f"{where}final_params.{name}", f"must be a list of {finished} entries")
        steps = check.get(run, "history_steps", list, where)
        history = check.get(run, "loss_history", list, where)
        if len(history) != finished or any(not isinstance(h, list) or len(h) != len(steps) for h in history):
            raise check.fail(f"{where}loss_history", f"must be {finished} lists of {len(steps)} values")
        for j, row in enumerate(history):
            for t, v in enumerate(row):
                if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                    raise check.fail(f"{where}loss_history[{j}][{t}]", f"must be a number or null, got {v!r}")
        successes = check.get(run, "successes", int, where)
        if successes != sum(run["success"]):
            raise check.fail(f"{where}successes", f"is {successes} but the success flags sum to {sum(run['success'])}")
        interval = check.get(run, "wilson95", (list, type(None)), where)
        if finished > 0:
            expected = wilson_interval(successes, finished)
            if not isinstance(interval, list) or len(interval) != 2 or any(
                not isinstance(v, (int, float)) or abs(v - e) > 1e-9 for v, e in zip(interval, expected)
            ):
                raise check.fail(f"{where}wilson95", f"is {interval}, expected {list(expected)} for "
                                 f"{successes}/{finished} successes")
    all_finished = all(run["finished"] == run["repeats"] for run in runs)
    if complete != all_finished:
        raise check.fail("complete", f"is {complete} but {'all' if all_finished else 'not all'} runs have "
                         "finished == repeats")
    return data


def load(path: str | Path) -> dict:
    """Read and validate a results file written by ``python -m mmdlib.reproduce``.

    Returns:
        The results as a dict; ``runs`` lists one entry per (setting, method) pair.

    Raises:
        ResultsError: if the file is missing, not valid JSON, or any field is missing or inconsistent.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read results file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ResultsError(
            f"{path}: field '<top level>' is not UTF-8 text ({exc.reason}); it is not a results file"
        ) from exc
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise ResultsError(f"{path}: field '<top level>' is not valid JSON ({exc}); the file may be truncated") from exc
    return validate(data, path)


def success_table(data: dict) -> list[dict]:
    """One row per (setting, method): setting, method, m, successes, trials, rate and Wilson 95% bounds."""
    rows = []
    for run in data["runs"]:
        trials = run["finished"]
        rows.append({
            "setting": run["setting"], "method": run["method"], "m": run["m"],
            "successes": run["successes"], "trials": trials,
            "rate": run["successes"] / trials if trials else float("nan"),
            "wilson95": tuple(run["wilson95"]) if run["wilson95"] else (float("nan"), float("nan")),
        })
    return rows
