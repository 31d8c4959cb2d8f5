"""Build small, valid results dicts by hand for tests of the verdict and plotting helpers."""

from __future__ import annotations

import json

from mmdlib.experiments import results as results_io
from mmdlib.experiments.spec import ExperimentSpec, Method, Setting
from mmdlib.experiments.success import wilson_interval

KIND_DEFAULTS = {"mmd": {"sigma2": 1.0}, "osmmd": {"sigma2": 1.0}, "mle": {}, "wgan": {}}


def make_results(experiment: str, settings: list[Setting], methods: list[tuple[str, str]],
                 errors: dict[tuple[str, str], list[float | None]], threshold: float, scale: str = "test") -> dict:
    """A validated results dict whose run (setting, method) has the given errors, one per repeat.

    A repeat succeeds when its error is finite and at most ``threshold``, as in the runner.
    """
    spec_methods = tuple(Method(name, kind, lr=0.1, iterations=1, repeats=1, **KIND_DEFAULTS[kind])
                         for name, kind in methods)
    spec = ExperimentSpec(experiment, scale, 2, tuple(settings), spec_methods, threshold)
    runs = []
    for setting in settings:
        for name, _ in methods:
            values = errors[(setting.label, name)]
            success = [v is not None and v <= threshold for v in values]
            runs.append({
                "setting": setting.label, "method": name, "m": setting.m, "repeats": len(values),
                "finished": len(values), "repeat_indices": list(range(len(values))),
                "seeds": list(range(len(values))), "errors": list(values), "success": success,
                "diverged": [False] * len(values), "sigma2": [None] * len(values), "final_params": {},
                "history_steps": [], "loss_history": [[] for _ in values], "successes": sum(success),
                "wilson95": list(wilson_interval(sum(success), len(values))) if values else None,
            })
    data = {
        "format": results_io.FORMAT, "format_version": results_io.FORMAT_VERSION, "experiment": experiment,
        "scale": scale, "base_seed": 0, "device": "cpu", "device_name": "cpu", "dtype": "float32",
        "repeats_cap": None, "max_iterations": None, "spec": json.loads(json.dumps(spec.to_dict())),
        "versions": {}, "wall_time_s": 0.0, "complete": True, "runs": runs,
    }
    return results_io.validate(data)


def counts_to_errors(successes: int, trials: int) -> list[float]:
    """Errors 0.0 for ``successes`` repeats and 1.0 for the rest (threshold 0.5 separates them)."""
    return [0.0] * successes + [1.0] * (trials - successes)
