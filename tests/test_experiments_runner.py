"""Tests for the batched runner: a repeat alone equals the same repeat in a batch, for every method."""

from dataclasses import replace

import pytest
import torch

from mmdlib.experiments.rng import CounterNoise, derive_key
from mmdlib.experiments.runner import run_setting
from mmdlib.experiments.scales import get_spec
from mmdlib.experiments.spec import ExperimentSpec, Method, Setting


def _tiny(experiment, methods, d=3, m=8, init="normal"):
    settings = (Setting("m=8", m, eps=0.1, sigma_w2=0.01),)
    return ExperimentSpec(experiment, "test", d, settings, tuple(methods), threshold=0.5, r=2, init=init)


METHODS = {
    "mmd": Method("MMD", "mmd", lr=0.1, iterations=6, repeats=3, sigma2=2.0, fakes_ratio=1.5),
    "osmmd": Method("OSMMD", "osmmd", lr=0.1, iterations=6, repeats=3, sigma2=2.0),
    "mle": Method("MLE", "mle", lr=0.1, iterations=6, repeats=3),
    "wgan": Method("WGAN", "wgan", lr=0.05, iterations=3, repeats=3, critic_layers=2),
}
CASES = [("mean", "mmd"), ("mean", "osmmd"), ("mean", "mle"), ("mixture_mean", "wgan"),
         ("covariance", "mmd"), ("mixture_covariance", "osmmd"), ("mixture_covariance", "mle"),
         ("covariance", "wgan")]


@pytest.mark.parametrize(("experiment", "kind"), CASES, ids=[f"{e}-{k}" for e, k in CASES])
def test_repeat_alone_equals_repeat_in_batch(experiment, kind):
    spec = _tiny(experiment, [METHODS[kind]])
    name = METHODS[kind].name
    batch = run_setting(spec, 0, name, [0, 1, 2, 3], dtype=torch.float64)
    alone = run_setting(spec, 0, name, [2], dtype=torch.float64)
    for key, value in batch.final_params.items():
        assert torch.allclose(value[2], alone.final_params[key][0], atol=1e-10, rtol=1e-10)
    assert torch.allclose(batch.loss_history[2], alone.loss_history[0], atol=1e-10, rtol=1e-10)
    assert batch.seeds[2] == alone.seeds[0]
    assert not torch.equal(batch.final_params[key][0], batch.final_params[key][1])


def test_unmixing_random_init_runs_batched():
    spec = _tiny("unmixing", [Method("MMD", "mmd", lr=0.05, iterations=4, repeats=2, sigma2=0.1, n_fake=16)],
                 init="random")
    batch = run_setting(spec, 0, "MMD", [0, 1], dtype=torch.float64)
    alone = run_setting(spec, 0, "MMD", [1], dtype=torch.float64)
    assert batch.final_params["A"].shape == (2, 3, 2)
    assert torch.allclose(batch.final_params["A"][1], alone.final_params["A"][0], atol=1e-10)


def test_float32_default_and_float64_on_request():
    spec = _tiny("mean", [METHODS["mle"]])
    assert run_setting(spec, 0, "MLE", [0]).final_params["mu"].dtype == torch.float32
    assert run_setting(spec, 0, "MLE", [0], dtype=torch.float64).final_params["mu"].dtype == torch.float64


def test_mle_recovers_sample_mean():
    method = Method("MLE", "mle", lr=0.1, iterations=400, repeats=2)
    spec = _tiny("mean", [method], m=50)
    result = run_setting(spec, 0, "MLE", [0, 1], dtype=torch.float64)
    # For N(mu, I) the MLE is the sample mean, so the error is |ybar - mu*| / d.
    assert result.errors.max() < 0.5
    assert result.success.dtype == torch.bool


def test_holdout_picks_from_grid():
    method = Method("MMD", "mmd", lr=0.1, iterations=5, repeats=2, holdout=True, holdout_grid=(0.1, 10.0))
    spec = _tiny("mean", [method], m=10)
    result = run_setting(spec, 0, "MMD", [0, 1], dtype=torch.float64)
    assert all(s in (0.1, 10.0) for s in result.sigma2.tolist())


def test_counter_noise_independent_of_batch_and_calibrated():
    keys = torch.tensor([derive_key(0, i) for i in range(3)])
    full = CounterNoise(keys, 5, torch.float64).normal(4000)
    alone = CounterNoise(keys[1:2], 5, torch.float64).normal(4000)
    assert torch.equal(full[1], alone[0])
    z = CounterNoise(torch.tensor([derive_key(1)]), 0, torch.float64).normal(200_000)[0]
    assert abs(z.mean()) < 4 / 200_000**0.5
    assert abs(z.var() - 1) < 4 * (2 / 200_000) ** 0.5
    u = CounterNoise(torch.tensor([derive_key(2)]), 0, torch.float64).uniform(200_000)[0]
    assert u.min() > 0
    assert u.max() < 1
    assert abs(u.mean() - 0.5) < 4 * (1 / 12 / 200_000) ** 0.5


def test_counter_noise_calls_differ():
    source = CounterNoise(torch.tensor([3]), 0)
    assert not torch.equal(source.normal(5), source.normal(5))


def test_run_setting_rejects_bad_input():
    spec = _tiny("mean", [METHODS["mle"]])
    with pytest.raises(KeyError, match="has no method 'WGAN'"):
        run_setting(spec, 0, "WGAN", [0])
    with pytest.raises(ValueError, match="setting_index must lie in"):
        run_setting(spec, 3, "MLE", [0])
    with pytest.raises(TypeError, match="dtype must be"):
        run_setting(spec, 0, "MLE", [0], dtype=torch.float16)


def test_every_scale_builds():
    from mmdlib.experiments import EXPERIMENTS

    for experiment in EXPERIMENTS:
        for scale in ("ci", "paper"):
            spec = get_spec(experiment, scale)
            assert spec.settings and spec.methods
    with pytest.raises(ValueError, match="unknown scale"):
        get_spec("mean", "huge")
    paper = get_spec("mean", "paper")
    assert paper.method("MMD").repeats == 800
    assert paper.method("WGAN").critic_layers == 1
    assert replace(paper.method("MMD"), fakes_ratio=2.0).n_samples(64) == 128


def test_unmixing_vca_init_starts_at_vca_endmembers():
    spec = _tiny("unmixing", [Method("MMD", "mmd", lr=0.05, iterations=1, repeats=2, sigma2=0.1)], init="vca")
    result = run_setting(spec, 0, "MMD", [0, 1])
    assert torch.isfinite(result.final_params["A"]).all()
