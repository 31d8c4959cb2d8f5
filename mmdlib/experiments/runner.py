"""Batched training of all repeats of one (setting, method) pair of a section 4 experiment.

All R repeats train as one program. Parameters carry a leading dimension R and the loss is a vector
``(R,)`` whose sum is differentiated. The repeats are independent, so each row of the gradient is that
repeat's own, and Adam, being elementwise, updates each row exactly as it would alone. WGAN critics are batched
the same way (:class:`mmdlib.baselines.wgan.BatchedCritic`). Random draws are counter-based and keyed by
repeat, so a repeat run alone follows the same trajectory as inside a batch, up to floating-point
reduction order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import torch

from mmdlib.baselines.wgan import BatchedCritic, WGANConfig, critic_loss, generator_loss
from mmdlib.estimators import mmd2_unbiased
from mmdlib.experiments.problems import Problem, build_problem, parameter_error
from mmdlib.experiments.rng import SETUP_STREAM, CounterNoise, derive_key
from mmdlib.experiments.spec import ExperimentSpec, Method
from mmdlib.kernels import squared_distances
from mmdlib.models import Params
from mmdlib.objectives import data_u_statistic, mle_loss, mmd_loss, one_sided_mmd_loss

# Each training step t uses streams t * _STEP_STREAMS + k, k < _STEP_STREAMS.
_STEP_STREAMS = 16
_CRITIC_INIT = SETUP_STREAM + 8
_HOLDOUT_SAMPLES = SETUP_STREAM + 9
HOLDOUT_FRACTION = 0.2
HOLDOUT_SAMPLES = 512


def repeat_seed(base_seed: int, setting_index: int, repeat_index: int) -> int:
    """32-bit seed of one repeat: it fixes the truth, the data and the initial value for every method."""
    return derive_key(base_seed, setting_index, repeat_index)


def training_key(seed: int, method_index: int) -> int:
    """32-bit key of one method's training noise (model samples, critic) in one repeat."""
    return derive_key(seed, method_index, 1)


@dataclass
class RunResult:
    """Outcome of one (setting, method) pair for a batch of repeats; tensors have leading dimension R.

    Attributes:
        repeat_indices, seeds: which repeats ran, and their seeds from :func:`repeat_seed`.
        final_params, truth: parameter dicts ``(R, ...)``.
        errors: the experiment's error measure ``(R,)``; success: errors <= threshold and not diverged.
        diverged: repeats whose parameters became non-finite; they keep their last finite value.
        sigma2: kernel variance used per repeat ``(R,)`` (NaN for MLE and WGAN).
        loss_history: training loss at ``history_steps``, ``(R, H)``; for WGAN the generator loss.
    """

    repeat_indices: list[int]
    seeds: list[int]
    final_params: Params
    truth: Params
    errors: torch.Tensor
    success: torch.Tensor
    diverged: torch.Tensor
    sigma2: torch.Tensor
    loss_history: torch.Tensor
    history_steps: list[int] = field(default_factory=list)


def _history_steps(iterations: int, points: int) -> list[int]:
    if points <= 1 or iterations <= 1:
        return [iterations - 1]
    steps = {round(i * (iterations - 1) / (points - 1)) for i in range(points)}
    return sorted(steps)


def _finite_rows(params: Params) -> torch.Tensor:
    rows = [torch.isfinite(p.detach()).flatten(1).all(-1) for p in params.values()]
    return torch.stack(rows).all(0)


def train(
    problem: Problem,
    method: Method,
    keys: torch.Tensor,
    sigma2: torch.Tensor | None,
    history_points: int = 50,
) -> tuple[Params, torch.Tensor, list[int], torch.Tensor]:
    """Run ``method.iterations`` Adam steps from ``problem.init`` on ``problem.y`` for all repeats at once.

    Args:
        problem: model, data ``(R, m, d)`` and initial values.
        method: the method and its hyperparameters.
        keys: int64 ``(R,)`` training keys from :func:`training_key`.
        sigma2: kernel variance per repeat ``(R,)`` for MMD and OSMMD, else None.
        history_points: number of loss values kept per repeat.

    Returns:
        (final parameters, loss history ``(R, H)``, its step indices, diverged flags ``(R,)``).
    """
    model, y = problem.model, problem.y
    m = y.shape[-2]
    dtype = y.dtype
    params = {k: v.detach().clone().requires_grad_(True) for k, v in problem.init.items()}
    config = WGANConfig(layers=method.critic_layers)
    betas = config.betas if method.kind == "wgan" else (0.9, 0.999)
    optimizer = torch.optim.Adam(list(params.values()), lr=method.lr, betas=betas)
    critic = critic_opt = None
    if method.kind == "wgan":
        critic = BatchedCritic.init(model.dim, config.layers, CounterNoise(keys, _CRITIC_INIT, dtype), dtype)
        critic_opt = torch.optim.Adam(critic.parameters(), lr=method.lr, betas=config.betas)
    n = method.n_samples(m)
    steps = _history_steps(method.iterations, history_points)
    record = set(steps)
    history = []
    diverged = torch.zeros(y.shape[0], dtype=torch.bool, device=y.device)
    data_term = data_u_statistic(y, sigma2) if method.kind in ("mmd", "osmmd") else None

    for t in range(method.iterations):
        stream = t * _STEP_STREAMS
        if method.kind == "wgan":
            for k in range(config.critic_steps):
                source = CounterNoise(keys, stream + 1 + k, dtype)
                with torch.no_grad():
                    fake = model.transform(params, model.draw_noise(source, n))
                u = source.uniform(min(n, m), 1)
                critic_opt.zero_grad(set_to_none=True)
                critic_loss(critic, y, fake, u, config.gp_weight).sum().backward()
                critic_opt.step()
        source = CounterNoise(keys, stream, dtype)
        if method.kind == "mmd":
            loss = mmd_loss(model, params, y, sigma2, n, source, data_term)
        elif method.kind == "osmmd":
            loss = one_sided_mmd_loss(model, params, y, sigma2, data_term)
        elif method.kind == "mle":
            loss = mle_loss(model, params, y)
        else:
            loss = generator_loss(critic, model.transform(params, model.draw_noise(source, n)))
        if t in record:
            history.append(loss.detach())
        previous = {k: v.detach().clone() for k, v in params.items()}
        optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        optimizer.step()
        bad = ~_finite_rows(params)
        if bool(bad.any()):
            diverged |= bad
            with torch.no_grad():
                for k, v in params.items():
                    v[bad] = previous[k][bad]

    final = {k: v.detach() for k, v in params.items()}
    return final, torch.stack(history, dim=-1), steps, diverged


def _median_sigma2(y: torch.Tensor) -> torch.Tensor:
    """Per-repeat median heuristic, half the median squared distance between distinct points, ``(R,)``."""
    d2 = squared_distances(y, y)
    m = y.shape[-2]
    upper = torch.triu_indices(m, m, offset=1, device=y.device)
    return d2[..., upper[0], upper[1]].median(dim=-1).values / 2.0


def select_sigma2_holdout(problem: Problem, method: Method, keys: torch.Tensor) -> torch.Tensor:
    """Choose sigma2 per repeat by hold-out over ``method.holdout_grid`` (footnote 3 of Alon, Globerson and Wiesel, 2021, arXiv 2110.13452).

    The last 20% of each repeat's data is held out. For each candidate sigma2, the method trains on the
    rest; the score is the unbiased MMD^2 between 512 samples of the trained model and the held-out points,
    measured with one reference kernel for all candidates, the median heuristic of the training part.
    NOTE: the paper does not say what the hold-out scores; this criterion is our choice.

    Returns:
        The chosen sigma2 per repeat ``(R,)``.
    """
    y = problem.y
    m = y.shape[-2]
    m_hold = max(2, round(HOLDOUT_FRACTION * m))
    if m - m_hold < 2:
        raise ValueError(f"hold-out needs at least 4 data points, got m={m}")
    y_train, y_hold = y[..., : m - m_hold, :], y[..., m - m_hold :, :]
    reference = _median_sigma2(y_train)
    sub = Problem(problem.model, problem.truth, y_train, problem.init)
    scores = []
    for candidate in method.holdout_grid:
        sigma2 = torch.full((y.shape[0],), candidate, dtype=y.dtype, device=y.device)
        params, _, _, _ = train(sub, method, keys, sigma2, history_points=1)
        source = CounterNoise(keys, _HOLDOUT_SAMPLES, y.dtype)
        with torch.no_grad():
            x = problem.model.transform(params, problem.model.draw_noise(source, HOLDOUT_SAMPLES))
            scores.append(mmd2_unbiased(x, y_hold, reference))
    best = torch.stack(scores, dim=-1).argmin(dim=-1)
    grid = torch.tensor(method.holdout_grid, dtype=y.dtype, device=y.device)
    return grid[best]


def run_setting(
    spec: ExperimentSpec,
    setting_index: int,
    method_name: str,
    repeat_indices: Sequence[int],
    base_seed: int = 0,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
    history_points: int = 50,
) -> RunResult:
    """Train the repeats ``repeat_indices`` of one setting with one method, all in one batch.

    Args:
        spec: experiment at a scale (:func:`mmdlib.experiments.scales.get_spec`).
        setting_index: index into ``spec.settings``.
        method_name: name of a method in ``spec.methods``.
        repeat_indices: which repeats to run; repeat k gets the seed ``repeat_seed(base_seed, setting_index, k)``
            whatever else is in the batch.
        base_seed: non-negative integer seed of the whole experiment.
        device: ``"cpu"`` or ``"cuda"``; dtype: float32 (default) or float64.

    Returns:
        A :class:`RunResult`.
    """
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
    if not 0 <= setting_index < len(spec.settings):
        raise ValueError(f"setting_index must lie in [0, {len(spec.settings)}), got {setting_index}")
    if len(repeat_indices) == 0:
        raise ValueError("repeat_indices is empty; pass at least one repeat index")
    device = torch.device(device)
    setting = spec.settings[setting_index]
    method = spec.method(method_name)
    method_index = spec.methods.index(method)
    seeds = [repeat_seed(base_seed, setting_index, int(k)) for k in repeat_indices]
    setup_keys = torch.tensor(seeds, dtype=torch.int64, device=device)
    train_keys = torch.tensor([training_key(s, method_index) for s in seeds], dtype=torch.int64, device=device)
    problem = build_problem(spec, setting, setup_keys, seeds, dtype)
    R = len(seeds)
    if method.kind in ("mmd", "osmmd"):
        if method.holdout:
            sigma2 = select_sigma2_holdout(problem, method, train_keys)
        else:
            sigma2 = torch.full((R,), float(method.sigma2), dtype=dtype, device=device)
    else:
        sigma2 = None
    final, history, steps, diverged = train(problem, method, train_keys, sigma2, history_points)
    errors = parameter_error(spec, final, problem.truth)
    success = (errors <= spec.threshold) & ~diverged
    return RunResult(
        repeat_indices=[int(k) for k in repeat_indices],
        seeds=seeds,
        final_params=final,
        truth=problem.truth,
        errors=errors,
        success=success,
        diverged=diverged,
        sigma2=sigma2 if sigma2 is not None else torch.full((R,), float("nan"), dtype=dtype, device=device),
        loss_history=history,
        history_steps=steps,
    )
