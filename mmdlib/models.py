"""The generative models of section 4 of Alon, Globerson and Wiesel (2021, arXiv 2110.13452), batched over a leading repeat dimension R.

Each model maps base noise to samples by a reparameterization, so gradients flow into the parameters:

* :class:`GaussianMean`: x = mu + L z, the model N(mu, Sigma) with Sigma = L L^T known (sections 3.1, 4.1).
* :class:`RankOneCovariance`: x = a z_0 + eps z, the model N(0, a a^T + eps^2 I) (Theorem 2, section 4.2).
* :class:`MixtureMean`: x = s mu + L z with a fair sign s, the model 1/2 N(mu, Sigma) + 1/2 N(-mu, Sigma).
* :class:`MixtureRankOne`: x = s m + a z_0 + eps z, the model 1/2 N(m, a a^T + eps^2 I) + 1/2 N(-m, ...)
  with the means +-m known.
* :class:`LinearUnmixing`: x = A b + w with b ~ Dirichlet(1_r) and w ~ N(0, sigma_w^2 I) (eq. 22).

Parameters travel as a dict of tensors with a leading repeat dimension ``(R, ...)``. Samples come from
:meth:`sample` with a :class:`torch.Generator`, or from :meth:`draw_noise` plus :meth:`transform` with any
noise source (the experiment runner uses counter-based noise, see :mod:`mmdlib.experiments.rng`).
"""

from __future__ import annotations

from typing import Protocol

import torch
from torch.distributions import (
    Categorical,
    LowRankMultivariateNormal,
    MixtureSameFamily,
    MultivariateNormal,
)

from mmdlib._validation import check_integer, check_nonnegative, check_points, check_spd, check_tensor
from mmdlib.closed_form import (
    GaussianMixture,
    gaussian_mean_model,
    mixture_mean_model,
    mixture_rank_one_model,
    rank_one_model,
)
from mmdlib.experiments.rng import GeneratorNoise

Params = dict[str, torch.Tensor]


class NoiseSource(Protocol):
    """Anything with ``uniform(*shape)`` and ``normal(*shape)`` returning ``(*batch_shape, *shape)``."""

    def uniform(self, *shape: int) -> torch.Tensor: ...

    def normal(self, *shape: int) -> torch.Tensor: ...


class Model:
    """Common interface of the section 4 models; subclasses set ``dim`` and ``param_names``."""

    dim: int
    param_names: tuple[str, ...]

    def draw_noise(self, source: NoiseSource, n: int) -> dict[str, torch.Tensor]:
        """Draw the base noise of n samples per repeat."""
        raise NotImplementedError

    def transform(self, params: Params, noise: dict[str, torch.Tensor]) -> torch.Tensor:
        """Map base noise to samples ``(R, n, d)``, differentiably in ``params``."""
        raise NotImplementedError

    def sample(
        self, params: Params, n: int, generator: torch.Generator
    ) -> torch.Tensor:
        """Draw n samples per repeat with a torch.Generator; returns ``(R, n, d)`` (``(n, d)`` if unbatched)."""
        check_integer("n", n, minimum=1)
        params = self._check_params(params)
        first = params[self.param_names[0]]
        batch = tuple(first.shape[: first.dim() - self._param_event_dims[0]])
        source = GeneratorNoise(generator, batch, dtype=first.dtype, device=first.device)
        return self.transform(params, self.draw_noise(source, n))

    def log_prob(self, params: Params, y: torch.Tensor) -> torch.Tensor:
        """Log-density of each data point, ``(R, m)``."""
        raise NotImplementedError(f"Only the Gaussian models have a log-likelihood; {type(self).__name__} has none")

    def closed_form(self, params: Params) -> GaussianMixture:
        """Build the model as a :class:`GaussianMixture`, for the exact model side of the one-sided MMD."""
        raise NotImplementedError(f"Only the Gaussian models have a closed form; {type(self).__name__} has none")

    _param_event_dims: tuple[int, ...] = (1,)

    def _param_event_shapes(self) -> tuple[tuple[int, ...], ...]:
        """Trailing shape of each parameter after the repeat dimensions: ``(d,)`` unless overridden."""
        return tuple((self.dim,) for _ in self.param_names)

    def _check_data(self, y: torch.Tensor) -> torch.Tensor:
        """Return data ``y`` ``(m, d)`` or ``(R, m, d)`` if it is a finite float tensor whose last dimension is the model's d."""
        y = check_points("y", y)
        if y.shape[-1] != self.dim:
            raise ValueError(
                f"y must have shape (m, {self.dim}) or (R, m, {self.dim}) for {type(self).__name__}, got {tuple(y.shape)}"
            )
        return y

    def _check_params(self, params: Params) -> Params:
        """Return ``params`` if it holds every name in ``param_names`` as a float tensor of the right shape.

        Raises:
            TypeError: ``params`` is not a dict, or a value is not a float32/float64 tensor.
            ValueError: a key is missing, or a value's trailing shape differs from the model's.
        """
        model = type(self).__name__
        if not isinstance(params, dict):
            raise TypeError(
                f"params must be a dict with keys {list(self.param_names)} for {model}, got {type(params).__name__}"
            )
        missing = [name for name in self.param_names if name not in params]
        if missing:
            raise ValueError(
                f"params for {model} must have keys {list(self.param_names)}, missing {missing}; "
                f"got keys {sorted(params)}"
            )
        for name, event in zip(self.param_names, self._param_event_shapes()):
            value = params[name]
            expected = "(R, " + ", ".join(str(size) for size in event) + ")"
            if not isinstance(value, torch.Tensor):
                raise TypeError(
                    f"params[{name!r}] of {model} must be a float tensor of shape {expected}, "
                    f"got {type(value).__name__}; wrap it with torch.as_tensor(..., dtype=torch.float64)"
                )
            if not value.is_floating_point() or value.dtype not in (torch.float32, torch.float64):
                raise TypeError(
                    f"params[{name!r}] of {model} must have dtype float32 or float64, got {value.dtype}; "
                    f"convert it with .double()"
                )
            if value.dim() < len(event) or tuple(value.shape[value.dim() - len(event):]) != event:
                raise ValueError(
                    f"params[{name!r}] of {model} must have shape {expected} (or {event} unbatched), "
                    f"got {tuple(value.shape)}"
                )
        return params


def _known_cov(name: str, cov: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    cov = check_spd(name, cov)
    return cov, torch.linalg.cholesky(cov)


class GaussianMean(Model):
    """N(mu, Sigma) with unknown mean mu ``(R, d)`` and known covariance Sigma ``(d, d)`` or ``(R, d, d)``."""

    param_names = ("mu",)

    def __init__(self, cov: torch.Tensor) -> None:
        self.cov, self.scale_tril = _known_cov("cov", cov)
        self.dim = cov.shape[-1]

    def draw_noise(self, source: NoiseSource, n: int) -> dict[str, torch.Tensor]:
        return {"z": source.normal(n, self.dim)}

    def transform(self, params: Params, noise: dict[str, torch.Tensor]) -> torch.Tensor:
        params = self._check_params(params)
        z = noise["z"].to(params["mu"].dtype)
        return params["mu"].unsqueeze(-2) + z @ self.scale_tril.to(z.dtype).transpose(-2, -1)

    def log_prob(self, params: Params, y: torch.Tensor) -> torch.Tensor:
        params = self._check_params(params)
        self._check_data(y)
        mu = params["mu"].unsqueeze(-2)  # (R, 1, d)
        tril = self.scale_tril.to(mu.dtype)
        if tril.dim() == 3:
            tril = tril.unsqueeze(-3)
        return MultivariateNormal(mu, scale_tril=tril).log_prob(y)

    def closed_form(self, params: Params) -> GaussianMixture:
        return gaussian_mean_model(params["mu"], self.cov.to(params["mu"].dtype))


class RankOneCovariance(Model):
    """N(0, a a^T + eps^2 I) with unknown a ``(R, d)`` and known eps >= 0 (eps = 0 has no density)."""

    param_names = ("a",)

    def __init__(self, dim: int, eps: float) -> None:
        self.dim = check_integer("dim", dim, minimum=1)
        self.eps = float(check_nonnegative("eps", eps))

    def draw_noise(self, source: NoiseSource, n: int) -> dict[str, torch.Tensor]:
        return {"z0": source.normal(n, 1), "z": source.normal(n, self.dim)}

    def transform(self, params: Params, noise: dict[str, torch.Tensor]) -> torch.Tensor:
        params = self._check_params(params)
        a = params["a"]
        return noise["z0"].to(a.dtype) * a.unsqueeze(-2) + self.eps * noise["z"].to(a.dtype)

    def log_prob(self, params: Params, y: torch.Tensor) -> torch.Tensor:
        params = self._check_params(params)
        self._check_data(y)
        a = params["a"]
        if self.eps == 0.0:
            raise ValueError("eps = 0 gives a singular covariance with no density; the MLE does not exist")
        diag = torch.full_like(a, self.eps**2)
        dist = LowRankMultivariateNormal(torch.zeros_like(a), a.unsqueeze(-1), diag)
        return dist.log_prob(y.transpose(0, -2)).transpose(0, -1)

    def closed_form(self, params: Params) -> GaussianMixture:
        return rank_one_model(params["a"], self.eps)


class MixtureMean(Model):
    """1/2 N(mu, Sigma) + 1/2 N(-mu, Sigma) with unknown mu ``(R, d)`` and known Sigma."""

    param_names = ("mu",)

    def __init__(self, cov: torch.Tensor) -> None:
        self.cov, self.scale_tril = _known_cov("cov", cov)
        self.dim = cov.shape[-1]

    def draw_noise(self, source: NoiseSource, n: int) -> dict[str, torch.Tensor]:
        return {"u": source.uniform(n, 1), "z": source.normal(n, self.dim)}

    def transform(self, params: Params, noise: dict[str, torch.Tensor]) -> torch.Tensor:
        params = self._check_params(params)
        mu = params["mu"]
        sign = torch.where(noise["u"] < 0.5, -1.0, 1.0).to(mu.dtype)  # (R, n, 1)
        z = noise["z"].to(mu.dtype)
        return sign * mu.unsqueeze(-2) + z @ self.scale_tril.to(mu.dtype).transpose(-2, -1)

    def log_prob(self, params: Params, y: torch.Tensor) -> torch.Tensor:
        params = self._check_params(params)
        self._check_data(y)
        mu = params["mu"]
        means = torch.stack([mu, -mu], dim=-2).unsqueeze(-3)  # (R, 1, 2, d)
        tril = self.scale_tril.to(mu.dtype)
        tril = tril.unsqueeze(-3).unsqueeze(-3) if tril.dim() == 3 else tril
        mix = Categorical(probs=torch.full(means.shape[:-1], 0.5, dtype=mu.dtype, device=mu.device))
        dist = MixtureSameFamily(mix, MultivariateNormal(means, scale_tril=tril))
        return dist.log_prob(y)

    def closed_form(self, params: Params) -> GaussianMixture:
        return mixture_mean_model(params["mu"], self.cov.to(params["mu"].dtype))


class MixtureRankOne(Model):
    """1/2 N(m, a a^T + eps^2 I) + 1/2 N(-m, a a^T + eps^2 I), unknown a ``(R, d)``, known m and eps."""

    param_names = ("a",)

    def __init__(self, mean: torch.Tensor, eps: float) -> None:
        self.mean = check_tensor("mean", mean, min_dim=1)
        self.dim = mean.shape[-1]
        self.eps = float(check_nonnegative("eps", eps))

    def draw_noise(self, source: NoiseSource, n: int) -> dict[str, torch.Tensor]:
        return {"u": source.uniform(n, 1), "z0": source.normal(n, 1), "z": source.normal(n, self.dim)}

    def transform(self, params: Params, noise: dict[str, torch.Tensor]) -> torch.Tensor:
        params = self._check_params(params)
        a = params["a"]
        sign = torch.where(noise["u"] < 0.5, -1.0, 1.0).to(a.dtype)
        spread = noise["z0"].to(a.dtype) * a.unsqueeze(-2) + self.eps * noise["z"].to(a.dtype)
        return sign * self.mean.to(a.dtype).unsqueeze(-2) + spread

    def log_prob(self, params: Params, y: torch.Tensor) -> torch.Tensor:
        params = self._check_params(params)
        self._check_data(y)
        a = params["a"]
        if self.eps == 0.0:
            raise ValueError("eps = 0 gives a singular covariance with no density; the MLE does not exist")
        mean = self.mean.to(a.dtype).expand_as(a)
        means = torch.stack([mean, -mean], dim=-2)  # (R, 2, d)
        factor = a.unsqueeze(-2).unsqueeze(-1).expand(*means.shape, 1)  # (R, 2, d, 1)
        diag = torch.full_like(means, self.eps**2)
        mix = Categorical(probs=torch.full(means.shape[:-1], 0.5, dtype=a.dtype, device=a.device))
        dist = MixtureSameFamily(mix, LowRankMultivariateNormal(means, factor, diag))
        return dist.log_prob(y.transpose(0, -2)).transpose(0, -1)

    def closed_form(self, params: Params) -> GaussianMixture:
        return mixture_rank_one_model(params["a"], self.mean.to(params["a"].dtype), self.eps)


class LinearUnmixing(Model):
    """x = A b + w with b ~ Dirichlet(1_r) and w ~ N(0, sigma_w^2 I) (eq. 22); unknown A ``(R, d, r)``.

    Dirichlet(1_r) is drawn as normalized standard exponentials, b_k = e_k / sum_j e_j with e_k = -log u_k,
    which is reparameterization-free because b does not depend on A.
    """

    param_names = ("A",)
    _param_event_dims = (2,)

    def _param_event_shapes(self) -> tuple[tuple[int, ...], ...]:
        return ((self.dim, self.r),)

    def __init__(self, dim: int, r: int, sigma_w2: float) -> None:
        self.dim = check_integer("dim", dim, minimum=1)
        self.r = check_integer("r", r, minimum=1)
        self.sigma_w2 = float(check_nonnegative("sigma_w2", sigma_w2))

    def draw_noise(self, source: NoiseSource, n: int) -> dict[str, torch.Tensor]:
        return {"u": source.uniform(n, self.r), "z": source.normal(n, self.dim)}

    def transform(self, params: Params, noise: dict[str, torch.Tensor]) -> torch.Tensor:
        params = self._check_params(params)
        A = params["A"]
        e = -torch.log(noise["u"].to(A.dtype))
        b = e / e.sum(-1, keepdim=True)  # (R, n, r) on the simplex
        return b @ A.transpose(-2, -1) + self.sigma_w2**0.5 * noise["z"].to(A.dtype)

