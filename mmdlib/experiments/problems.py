"""Set-up of each experiment for a batch of repeats: the model, the truth, the data and the initial value.

Every draw comes from counter-based noise keyed by the repeat (:mod:`mmdlib.experiments.rng`), so a repeat
gets the same truth, data and initial value alone or inside any batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from mmdlib.experiments.rng import SETUP_STREAM, CounterNoise
from mmdlib.experiments.spec import ExperimentSpec, Setting
from mmdlib.experiments.success import covariance_error, mean_error, mixture_mean_error, unmixing_distance
from mmdlib.models import (
    GaussianMean,
    LinearUnmixing,
    MixtureMean,
    MixtureRankOne,
    Model,
    Params,
    RankOneCovariance,
)

_TRUTH, _DATA, _INIT, _KNOWN = (SETUP_STREAM + k for k in range(4))


@dataclass
class Problem:
    """One setting of one experiment for R repeats.

    Attributes:
        model: the model being fitted; truth: true parameters ``(R, ...)``; y: data ``(R, m, d)``;
        init: initial parameters ``(R, ...)``.
    """

    model: Model
    truth: Params
    y: torch.Tensor
    init: Params


def _noise(keys: torch.Tensor, stream: int, dtype: torch.dtype) -> CounterNoise:
    return CounterNoise(keys, stream, dtype)


def _vca_init(y: torch.Tensor, r: int, seeds: list[int]) -> torch.Tensor:
    try:
        from mmdlib.unmixing import vca
    except ImportError as exc:
        raise ImportError(
            "the unmixing experiment starts from VCA, but mmdlib.unmixing.vca is not available in this "
            "checkout; install a version of mmdlib that has it, or build the spec with init='random'"
        ) from exc
    # NOTE: VCA runs once per repeat at set-up, a loop over repeats outside the batched training.
    inits = []
    for r_index, seed in enumerate(seeds):
        generator = torch.Generator(device="cpu").manual_seed(seed)
        inits.append(vca(y[r_index].cpu(), r, generator).endmembers.to(y))
    return torch.stack(inits)


def build_problem(
    spec: ExperimentSpec,
    setting: Setting,
    keys: torch.Tensor,
    seeds: list[int],
    dtype: torch.dtype = torch.float32,
) -> Problem:
    """Draw truth, data and initial values for the repeats with set-up keys ``keys`` ``(R,)``.

    Args:
        spec: the experiment; setting: the x-axis point.
        keys: int64 ``(R,)`` repeat keys on the target device; seeds: the same keys as ints (for VCA).
        dtype: float dtype of every tensor.
    """
    d, m, device = spec.d, setting.m, keys.device
    eye = torch.eye(d, dtype=dtype, device=device)
    experiment = spec.experiment
    if experiment in ("mean", "mixture_mean"):
        model: Model = GaussianMean(eye) if experiment == "mean" else MixtureMean(eye)
        truth = {"mu": _noise(keys, _TRUTH, dtype).normal(d)}
        init = {"mu": _noise(keys, _INIT, dtype).normal(d)}
    elif experiment in ("covariance", "covariance_eps"):
        model = RankOneCovariance(d, setting.eps)
        truth = {"a": _noise(keys, _TRUTH, dtype).normal(d)}
        init = {"a": _noise(keys, _INIT, dtype).normal(d)}
    elif experiment == "mixture_covariance":
        model = MixtureRankOne(_noise(keys, _KNOWN, dtype).normal(d), setting.eps)
        truth = {"a": _noise(keys, _TRUTH, dtype).normal(d)}
        init = {"a": _noise(keys, _INIT, dtype).normal(d)}
    elif experiment == "unmixing":
        model = LinearUnmixing(d, spec.r, setting.sigma_w2)
        truth = {"A": _noise(keys, _TRUTH, dtype).uniform(d, spec.r)}
        init = {}
    else:
        raise ValueError(f"unknown experiment {experiment!r}")
    y = model.transform(truth, model.draw_noise(_noise(keys, _DATA, dtype), m))
    if experiment == "unmixing":
        if spec.init == "vca":
            init = {"A": _vca_init(y, spec.r, seeds)}
        elif spec.init == "random":
            init = {"A": _noise(keys, _INIT, dtype).uniform(d, spec.r)}
        else:
            raise ValueError(f"unmixing init must be 'vca' or 'random', got {spec.init!r}")
    return Problem(model, truth, y, init)


def parameter_error(spec: ExperimentSpec, params: Params, truth: Params) -> torch.Tensor:
    """Compute the experiment's error measure per repeat ``(R,)``; success means error <= ``spec.threshold``.

    The mean experiments use a strict ``<`` in section 4.1; ties have probability zero, so ``<=`` is used
    for all.
    """
    experiment = spec.experiment
    if experiment == "mean":
        return mean_error(params["mu"], truth["mu"])
    if experiment == "mixture_mean":
        return mixture_mean_error(params["mu"], truth["mu"])
    if experiment in ("covariance", "covariance_eps", "mixture_covariance"):
        return covariance_error(params["a"], truth["a"])
    if experiment == "unmixing":
        return unmixing_distance(params["A"], truth["A"])
    raise ValueError(f"unknown experiment {experiment!r}")
