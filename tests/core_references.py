"""Independent references for the core tests: sampling, Monte Carlo MMD^2, quadrature and finite differences.

Nothing here calls the closed forms under test. Each reference follows the definition of the squared MMD
(eq. 1 of Alon, Globerson and Wiesel, arXiv 2110.13452), MMD^2(P, Q) = E k(X, X') + E k(Y, Y') - 2 E k(X, Y),
so that every test compares two independent routes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from scipy import integrate


@dataclass(frozen=True)
class MixtureSpec:
    """A Gaussian mixture given by weights, means and covariance factors B_i with cov_i = B_i B_i^T."""

    weights: torch.Tensor  # (k,)
    means: torch.Tensor  # (k, d)
    factors: torch.Tensor  # (k, d, r)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """Draw n points (n, d): pick a component by its weight, then add B_i z with z ~ N(0, I_r)."""
        k, d, r = self.factors.shape
        dtype = self.means.dtype
        labels = torch.multinomial(self.weights.double(), n, replacement=True, generator=generator)
        z = torch.randn(n, r, 1, dtype=dtype, generator=generator)
        noise = (self.factors[labels] @ z).squeeze(-1)  # (n, d)
        return self.means[labels] + noise

    def density_1d(self) -> Callable[[float], float]:
        """Density as a scalar function for d = 1 and non-degenerate components."""
        terms = []
        for w, m, b in zip(self.weights.tolist(), self.means[:, 0].tolist(), self.factors[:, 0, :].tolist()):
            var = float(sum(v * v for v in b))
            terms.append((w / math.sqrt(2.0 * math.pi * var), m, 2.0 * var))

        def density(t: float) -> float:
            return sum(c * math.exp(-((t - m) ** 2) / two_var) for c, m, two_var in terms)

        return density


def gaussian_spec(mean: torch.Tensor, cov: torch.Tensor) -> MixtureSpec:
    """N(mean, cov) with a Cholesky factor, for positive definite cov."""
    return MixtureSpec(torch.ones(1, dtype=mean.dtype), mean[None], torch.linalg.cholesky(cov)[None])


def rank_one_spec(a: torch.Tensor, eps: float, center: torch.Tensor | None = None) -> MixtureSpec:
    """N(center, a a^T + eps^2 I) as factor [a, eps I]; with a center c, the half-half mixture at +-c."""
    d = a.shape[-1]
    factor = torch.cat([a[:, None], eps * torch.eye(d, dtype=a.dtype)], dim=1)  # (d, d + 1)
    if center is None:
        return MixtureSpec(torch.ones(1, dtype=a.dtype), torch.zeros(1, d, dtype=a.dtype), factor[None])
    return MixtureSpec(
        torch.full((2,), 0.5, dtype=a.dtype), torch.stack([center, -center]), torch.stack([factor, factor])
    )


def symmetric_mixture_spec(mu: torch.Tensor, cov: torch.Tensor) -> MixtureSpec:
    """1/2 N(mu, cov) + 1/2 N(-mu, cov)."""
    chol = torch.linalg.cholesky(cov)
    return MixtureSpec(torch.full((2,), 0.5, dtype=mu.dtype), torch.stack([mu, -mu]), torch.stack([chol, chol]))


def rbf(x: torch.Tensor, y: torch.Tensor, sigma2: float) -> torch.Tensor:
    """Row-wise k(x_i, y_i) = exp(-|x_i - y_i|^2 / (2 sigma2)) for paired rows."""
    return torch.exp(-((x - y) ** 2).sum(-1) / (2.0 * sigma2))


def monte_carlo_mmd2(
    model: MixtureSpec, truth: MixtureSpec, sigma2: float, n: int, seed: int
) -> tuple[float, float]:
    """Estimate eq. 1 from n independent quadruples (X, X', Y, Y'); return the mean and its standard error.

    Each quadruple gives h = k(X, X') + k(Y, Y') - k(X, Y') - k(X', Y), whose mean is MMD^2, so the
    terms are i.i.d. and the standard error is std(h) / sqrt(n).
    """
    gen = torch.Generator().manual_seed(seed)
    x, x2 = model.sample(n, gen), model.sample(n, gen)
    y, y2 = truth.sample(n, gen), truth.sample(n, gen)
    h = rbf(x, x2, sigma2) + rbf(y, y2, sigma2) - rbf(x, y2, sigma2) - rbf(x2, y, sigma2)
    return float(h.mean()), float(h.std() / math.sqrt(n))


def within_standard_errors(value: float, mc_mean: float, mc_se: float, n_se: float = 4.0) -> bool:
    """True when value lies within n_se standard errors of a Monte Carlo mean (plus float64 rounding)."""
    return abs(value - mc_mean) <= n_se * mc_se + 1e-12


def quadrature_mmd2_1d(model: MixtureSpec, truth: MixtureSpec, sigma2: float, half_width: float) -> float:
    """MMD^2 in d = 1 as the double integral of k(s, t) (p - q)(s) (p - q)(t) over a square, by scipy dblquad."""

    p, q = model.density_1d(), truth.density_1d()

    def signed(t: float) -> float:
        return p(t) - q(t)

    def integrand(t: float, s: float) -> float:
        return math.exp(-((s - t) ** 2) / (2.0 * sigma2)) * signed(s) * signed(t)

    value, _ = integrate.dblquad(
        integrand, -half_width, half_width, -half_width, half_width, epsabs=1e-11, epsrel=1e-9
    )
    return value


def central_hessian(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-4) -> torch.Tensor:
    """Hessian of a scalar f at x (d,) by central differences of function values, in float64."""
    x = x.detach().double()
    d = x.shape[0]
    eye = torch.eye(d, dtype=torch.float64)
    hess = torch.empty(d, d, dtype=torch.float64)
    with torch.no_grad():
        for i in range(d):
            for j in range(d):
                ei, ej = h * eye[i], h * eye[j]
                hess[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4.0 * h * h)
    return hess


def central_gradient(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, h: float = 1e-6) -> torch.Tensor:
    """Gradient of a scalar f at x (d,) by central differences, in float64."""
    x = x.detach().double()
    eye = torch.eye(x.shape[0], dtype=torch.float64)
    with torch.no_grad():
        return torch.stack([(f(x + h * e) - f(x - h * e)) / (2.0 * h) for e in eye])


def hessian_by_route(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, route: str) -> torch.Tensor:
    """Hessian of a scalar f at x by one of torch's two double-differentiation routes."""
    if route == "autograd.functional":
        return torch.autograd.functional.hessian(f, x.clone())
    if route == "torch.func":
        return torch.func.hessian(f)(x.clone())
    raise ValueError(f"route must be 'autograd.functional' or 'torch.func', got {route!r}")


def autograd_gradient(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Gradient of a scalar f at x by reverse-mode autograd."""
    x_var = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(f(x_var), x_var)
    return grad


def assert_mean_batching(
    closed_form: Callable[..., torch.Tensor], cov: torch.Tensor, seed: int
) -> None:
    """Check that closed_form(mu, mu_star, cov, sigma2) with mu (4, 1, 2), mu_star (3, 2) and sigma2 (3,)
    returns shape (4, 3) and equals the unbatched calls entry by entry."""
    gen = torch.Generator().manual_seed(seed)
    mu = torch.randn(4, 1, 2, generator=gen, dtype=torch.float64)
    mu_star = torch.randn(3, 2, generator=gen, dtype=torch.float64)
    sigma2 = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    batched = closed_form(mu, mu_star, cov, sigma2)
    assert batched.shape == (4, 3)
    for i in range(4):
        for j in range(3):
            looped = closed_form(mu[i, 0], mu_star[j], cov, float(sigma2[j]))
            assert torch.isclose(batched[i, j], looped, rtol=1e-12, atol=0.0), (i, j)
