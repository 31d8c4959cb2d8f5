# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Theorem 1: a Gaussian with unknown mean
#
# The simplest model in {cite}`alon2021landscape` is a Gaussian whose covariance is known and whose
# mean is the only parameter. This chapter states the theorem, derives its closed form from Lemma 4
# and checks that closed form against Monte Carlo. It then looks at the landscape: where the gradient
# vanishes, where the loss is convex, and what happens far from the optimum.

# %%
try:
    import google.colab  # noqa: F401
    IN_COLAB = True
except ImportError:
    IN_COLAB = False
if IN_COLAB:
    # %pip install -q "mmdlib @ git+https://github.com/mmd-landscape/mmd-landscape@main"

# %%
import inspect
import math

import matplotlib.pyplot as plt
import torch

from mmdlib.closed_form import gaussian_mean
from mmdlib.closed_form.mean_landscape import (
    gaussian_mean_convex_radius,
    gaussian_mean_convexity_level,
    gaussian_mean_gradient,
    gaussian_mean_hessian,
)
from mmdlib.kernels import gaussian_kernel
from mmdlib.plotting import KIND_STYLES, TRUTH_STYLE

try:
    from myst_nb import glue
except ImportError:
    def glue(*args, **kwargs):
        pass

torch.set_num_threads(1)
SEED = 20211026
F64 = torch.float64

# %% [markdown]
# ## Statement
#
# The loss is the squared MMD of eq. (1) with the Gaussian kernel $k(x, y) = \exp(-\|x-y\|^2 / (2\sigma^2))$
# of eq. (2); see {doc}`mmd_as_a_loss`.
#
# ```{prf:lemma} Gaussian expectation of the kernel (Lemma 4, eq. 32)
# :label: thm1-lemma4
# :nonumber:
#
# For $\mu \in \R^d$ and a positive definite $\Sigma \in \R^{d \times d}$,
#
# $$
# \int_{\R^d} e^{-\|z\|^2 / (2\sigma^2)} \, \mathcal{N}(z; \mu, \Sigma) \, dz
# = \det\!\left(I + \tfrac{1}{\sigma^2}\Sigma\right)^{-1/2}
#   \exp\!\left(-\tfrac12 \mu^\top (\Sigma + \sigma^2 I)^{-1} \mu\right).
# $$
# ```
#
# ```{prf:theorem} Gaussian with unknown mean (Theorem 1, eq. 3)
# :label: thm1-statement
# :nonumber:
#
# Let $P_\mu = \mathcal{N}(\mu, \Sigma)$ with $\Sigma$ known and the truth $P_{\mu^*}$. Then
#
# $$
# \MMD^2(\mu, \mu^*) = \frac{2}{\sqrt{\det\left(I + \tfrac{2}{\sigma^2}\Sigma\right)}}
# \left(1 - \exp\!\left(-\tfrac12 (\mu - \mu^*)^\top (2\Sigma + \sigma^2 I)^{-1} (\mu - \mu^*)\right)\right).
# $$
#
# It is quasi-convex in $\mu$, and its only stationary point is $\mu = \mu^*$, the global minimum.
# ```
#
# The paper writes the exponent as $\frac{1}{\sigma^2}(\mu-\mu^*)^\top(\frac{2}{\sigma^2}\Sigma + I)^{-1}(\mu-\mu^*)$,
# which is the same quadratic form, because $\frac{1}{\sigma^2}(\frac{2}{\sigma^2}\Sigma + I)^{-1} = (2\Sigma + \sigma^2 I)^{-1}$.

# %% [markdown]
# ## Derivation from Lemma 4
#
# Write $\delta = \mu - \mu^*$, $A = (2\Sigma + \sigma^2 I)^{-1}$, $q = \delta^\top A \delta$ and
# $C = 2 \det(I + 2\Sigma/\sigma^2)^{-1/2}$.
#
# 1. Each term of eq. (1) is $\E\, k(U, V) = \E \exp(-\|U - V\|^2/(2\sigma^2))$ for independent Gaussians
#    $U$ and $V$, so only the law of the difference $Z = U - V$ matters.
# 2. For $X, X' \sim P_\mu$ independent, $Z = X - X' \sim \mathcal{N}(0, 2\Sigma)$, and the same holds
#    for $Y, Y' \sim P_{\mu^*}$. Lemma 4 with mean $0$ and covariance $2\Sigma$ gives
#    $\E k(X, X') = \E k(Y, Y') = C/2$.
# 3. For $X \sim P_\mu$ and $Y \sim P_{\mu^*}$, $Z = X - Y \sim \mathcal{N}(\delta, 2\Sigma)$. Lemma 4 gives
#    $\E k(X, Y) = (C/2)\, e^{-q/2}$.
# 4. Adding the terms with signs $+, +, -2$: $\MMD^2 = C (1 - e^{-q/2})$, which is eq. (3).
# 5. The loss is an increasing function of $q$ alone, so its sublevel sets are the ellipsoids
#    $\{q \le c\}$. These are convex, which is quasi-convexity.
# 6. The gradient is $\nabla_\mu \MMD^2 = C e^{-q/2} A \delta$. Because $C e^{-q/2} > 0$ and $A$ is
#    invertible, it vanishes only at $\delta = 0$.
#
# The last step is where the numbers below will disagree with the mathematics: $C e^{-q/2}$ is
# positive, but a floating-point number can round it to zero.
#
# This is the implementation in `mmdlib`. It evaluates both terms through Lemma 4 (in log space)
# and combines them with `expm1`, so the loss keeps its relative accuracy near $\mu^*$.

# %%
print(inspect.getsource(gaussian_mean))

# %% [markdown]
# ## Closed form against Monte Carlo
#
# With independent $X, X' \sim P_\mu$ and $Y, Y' \sim P_{\mu^*}$,
# $h = k(X, X') + k(Y, Y') - k(X, Y') - k(X', Y)$ has mean $\MMD^2$. Averaging $h$ over many independent
# quadruples gives an estimate whose standard error is the sample standard deviation of $h$
# over $\sqrt{N}$. Three settings, in dimensions 1, 2 and 5:

# %%
def sample_gaussian(mean, cov, n, generator):
    """n draws from N(mean, cov), shape (n, d)."""
    noise = torch.randn(n, mean.shape[-1], generator=generator, dtype=F64)
    return mean + noise @ torch.linalg.cholesky(cov).T


def monte_carlo_mmd2(mu, mu_star, cov, sigma2, n, generator):
    """Mean and standard error of h over n independent quadruples."""
    x, x2 = sample_gaussian(mu, cov, n, generator), sample_gaussian(mu, cov, n, generator)
    y, y2 = sample_gaussian(mu_star, cov, n, generator), sample_gaussian(mu_star, cov, n, generator)
    pair = lambda a, b: gaussian_kernel(a[:, None, :], b[:, None, :], sigma2)[:, 0, 0]  # noqa: E731
    h = pair(x, x2) + pair(y, y2) - pair(x, y2) - pair(x2, y)
    return h.mean(), h.std() / math.sqrt(n)

# %%
generator = torch.Generator().manual_seed(SEED)
N_QUADRUPLES = 200_000
settings = [
    ("d=1", torch.tensor([1.5], dtype=F64), torch.tensor([[0.5]], dtype=F64), 1.0),
    ("d=2", torch.tensor([1.0, -0.5], dtype=F64), torch.tensor([[1.0, 0.3], [0.3, 0.5]], dtype=F64), 0.5),
    ("d=5", 0.4 * torch.ones(5, dtype=F64), 0.5 * torch.eye(5, dtype=F64), 2.0),
]
mc_rows = []
for name, mu, cov, sigma2 in settings:
    mu_star = torch.zeros_like(mu)
    exact = gaussian_mean(mu, mu_star, cov, sigma2).item()
    estimate, stderr = monte_carlo_mmd2(mu, mu_star, cov, sigma2, N_QUADRUPLES, generator)
    mc_rows.append((name, exact, estimate.item(), stderr.item()))

# %%
print(f"{'case':5s} {'closed form':>12s} {'Monte Carlo':>12s} {'std. error':>11s} {'z':>6s}")
for name, exact, estimate, stderr in mc_rows:
    print(f"{name:5s} {exact:12.5f} {estimate:12.5f} {stderr:11.2e} {(estimate - exact) / stderr:6.2f}")
mc_max_abs_error = max(abs(estimate - exact) for _, exact, estimate, _ in mc_rows)
mc_max_z = max(abs(estimate - exact) / stderr for _, exact, estimate, stderr in mc_rows)
assert mc_max_z < 4.0, f"closed form and Monte Carlo differ by {mc_max_z:.2f} standard errors"
glue("thm1_mc_max_abs_error", float(f"{mc_max_abs_error:.2e}"), display=False)
glue("thm1_mc_max_z", round(mc_max_z, 2), display=False)
print(f"largest |error| {mc_max_abs_error:.2e}, largest |z| {mc_max_z:.2f}")

# %% [markdown]
# All three closed-form values lie within a few standard errors of the Monte Carlo estimates.
#
# ## Gradient and Hessian
#
# Differentiating step 4 of the derivation once and twice gives
#
# $$
# \nabla_\mu \MMD^2 = C e^{-q/2} A\delta, \qquad
# \nabla^2_\mu \MMD^2 = C e^{-q/2} \left(A - A\delta\delta^\top A\right).
# $$ (thm1-derivatives)
#
# `mmdlib.closed_form.mean_landscape` implements both formulas directly. Autograd through
# `gaussian_mean` and central finite differences give two independent routes to the same numbers.

# %%
generator = torch.Generator().manual_seed(SEED + 1)
D_CHECK = 4
factor = torch.randn(D_CHECK, D_CHECK, generator=generator, dtype=F64)
cov = factor @ factor.T / D_CHECK + 0.2 * torch.eye(D_CHECK, dtype=F64)
mu, mu_star, sigma2 = torch.randn(D_CHECK, generator=generator, dtype=F64), torch.zeros(D_CHECK, dtype=F64), 0.8
loss = lambda m: gaussian_mean(m, mu_star, cov, sigma2)  # noqa: E731

grad_formula = gaussian_mean_gradient(mu, mu_star, cov, sigma2)
hess_formula = gaussian_mean_hessian(mu, mu_star, cov, sigma2)
grad_autograd = torch.func.grad(loss)(mu)
hess_autograd = torch.func.hessian(loss)(mu)
step, eye = 1e-5, torch.eye(D_CHECK, dtype=F64)
grad_fd = torch.stack([(loss(mu + step * e) - loss(mu - step * e)) / (2 * step) for e in eye])
hess_fd = torch.stack([(gaussian_mean_gradient(mu + step * e, mu_star, cov, sigma2)
                        - gaussian_mean_gradient(mu - step * e, mu_star, cov, sigma2)) / (2 * step) for e in eye])

# %%
errors = {
    "gradient, formula vs autograd": (grad_formula - grad_autograd).abs().max().item(),
    "gradient, formula vs finite differences": (grad_formula - grad_fd).abs().max().item(),
    "Hessian, formula vs autograd": (hess_formula - hess_autograd).abs().max().item(),
    "Hessian, formula vs finite differences": (hess_formula - hess_fd).abs().max().item(),
}
for name, error in errors.items():
    print(f"{name:42s} max |difference| {error:.1e}")
assert errors["gradient, formula vs autograd"] < 1e-12
assert errors["Hessian, formula vs autograd"] < 1e-12
assert errors["gradient, formula vs finite differences"] < 1e-8
assert errors["Hessian, formula vs finite differences"] < 1e-8

# %% [markdown]
# ## The landscape in one dimension (Figure 1)
#
# The paper's Figure 1 plots the loss for several widths with $\mu^* = 0$ but does not say which
# $\Sigma$ it uses. We take $\Sigma = 1$ and $\sigma^2 \in \{0.25, 1, 4, 16\}$, and put the gradient
# beside the loss. In one dimension, $q = \mu^2 / (2\Sigma + \sigma^2)$.

# %%
COV_1D = torch.ones(1, 1, dtype=F64)
MU_STAR_1D = torch.zeros(1, dtype=F64)
SIGMA2_VALUES = [0.25, 1.0, 4.0, 16.0]
mu_grid = torch.arange(-1200, 1201, dtype=F64) / 100  # step 0.01, contains 0 exactly
curves = {}
for s2 in SIGMA2_VALUES:
    loss_1d = gaussian_mean(mu_grid[:, None], MU_STAR_1D, COV_1D, s2)
    grad_1d = gaussian_mean_gradient(mu_grid[:, None], MU_STAR_1D, COV_1D, s2)[:, 0]
    curves[s2] = (loss_1d, grad_1d)

# %%
stationary = {}
for s2, (_, grad_1d) in curves.items():
    stationary[s2] = mu_grid[grad_1d == 0].tolist()
    print(f"sigma2 = {s2:5.2f}: gradient exactly zero at mu = {stationary[s2]}, "
          f"negative left of it, positive right of it: {bool((grad_1d[mu_grid > 0] > 0).all())}")
    assert stationary[s2] == [0.0]
    assert bool((grad_1d[mu_grid > 0] > 0).all())
    assert bool((grad_1d[mu_grid < 0] < 0).all())

# %% [markdown]
# {numref}`fig-thm1-landscape` is the paper's Figure 1 with the derivative beside it.

# %% mystnb={"figure": {"caption": "Figure 1 of the paper redrawn: the Theorem 1 loss in one dimension for several $\\sigma^2$ (left) and its derivative, which vanishes only at $\\mu = \\mu^*$ (right).", "name": "fig-thm1-landscape"}}
fig_landscape, (ax_loss, ax_grad) = plt.subplots(1, 2, figsize=(10, 3.8))
for s2, (loss_1d, grad_1d) in curves.items():
    line, = ax_loss.plot(mu_grid, loss_1d, label=f"$\\sigma^2 = {s2:g}$")
    ax_grad.plot(mu_grid, grad_1d, color=line.get_color(), label=f"$\\sigma^2 = {s2:g}$")
for ax in (ax_loss, ax_grad):
    ax.scatter([0.0], [0.0], zorder=3, **TRUTH_STYLE)
    ax.set_xlabel(r"$\mu$")
ax_loss.set_ylabel(r"$\mathrm{MMD}^2(\mu, \mu^*)$")
ax_grad.set_ylabel(r"$\partial\, \mathrm{MMD}^2 / \partial \mu$")
ax_grad.axhline(0.0, color="grey", lw=0.6)
ax_loss.set_title(r"Loss, $\Sigma = 1$, $\mu^* = 0$")
ax_grad.set_title("Gradient: zero only at $\\mu = \\mu^*$")
ax_loss.legend()
fig_landscape.tight_layout()
glue("thm1_landscape_fig", fig_landscape, display=False)
plt.show()

# %% [markdown]
# On every curve the gradient vanishes exactly once, at $\mu^* = 0$, so the theorem's claim about
# stationary points holds on the grid. Away from $\mu^*$ the loss flattens into a plateau at $C$, and the
# gradient decays like $e^{-q/2}$: the smaller $\sigma^2$, the sooner it is negligible.
#
# ## Where the loss is convex
#
# The eigenvalues of the Hessian in {eq}`thm1-derivatives` follow from writing it as
# $C e^{-q/2} A^{1/2} (I - u u^\top) A^{1/2}$ with $u = A^{1/2}\delta$, so $\|u\|^2 = q$.
# The matrix $I - uu^\top$ has eigenvalue $1 - q$ along $u$ and $1$ elsewhere. Hence
#
# $$
# \nabla^2_\mu \MMD^2 \succeq 0 \iff q = (\mu - \mu^*)^\top (2\Sigma + \sigma^2 I)^{-1} (\mu - \mu^*) \le 1 .
# $$ (thm1-convex-region)
#
# The convex region is an ellipsoid around $\mu^*$ with semi-axes $\sqrt{\sigma^2 + 2\lambda_i(\Sigma)}$.
# The largest ball around $\mu^*$ on which the loss is convex has radius
# $r_{\mathrm{convex}} = \sqrt{\sigma^2 + 2\lambda_{\min}(\Sigma)}$.
#
# We first find the convex interval numerically in one dimension, from the second derivative that autograd
# computes through `gaussian_mean`, for a grid of $\sigma^2$ and $\Sigma$.

# %%
def second_derivative_1d(mu_values, sigma2, variance):
    """Autograd second derivative of the 1-D loss (mu_star = 0, Sigma = variance) at each value of mu."""
    mu = mu_values.clone().requires_grad_()
    total = gaussian_mean(mu[:, None], MU_STAR_1D, variance * COV_1D, sigma2).sum()
    first, = torch.autograd.grad(total, mu, create_graph=True)
    second, = torch.autograd.grad(first.sum(), mu)
    return second


def convex_half_width(sigma2, variance, grid):
    """First grid point mu >= 0 where the second derivative turns negative."""
    return grid[second_derivative_1d(grid, sigma2, variance) < 0].min().item()


half_grid = torch.linspace(0.0, 20.0, 20001, dtype=F64)  # step 1e-3
convex_rows = []
for variance in (0.0001, 0.5, 1.0, 4.0):
    for s2 in (0.25, 1.0, 4.0, 16.0):
        convex_rows.append((variance, s2, convex_half_width(s2, variance, half_grid), math.sqrt(s2 + 2 * variance)))

# %%
print(f"{'Sigma':>7s} {'sigma2':>7s} {'numeric edge':>13s} {'sqrt(sigma2 + 2 Sigma)':>23s}")
for variance, s2, numeric, predicted in convex_rows:
    print(f"{variance:7.4f} {s2:7.2f} {numeric:13.3f} {predicted:23.3f}")
    assert abs(numeric - predicted) <= 2e-3, (variance, s2, numeric, predicted)
glue("thm1_convex_radius_sigma2_1_cov_1", round(math.sqrt(1.0 + 2.0), 4), display=False)
glue("thm1_convex_radius_sigma2_16_cov_1", round(math.sqrt(16.0 + 2.0), 4), display=False)

# %% [markdown]
# The second derivative changes sign at $|\mu - \mu^*| = \sqrt{\sigma^2 + 2\Sigma}$ to grid resolution
# in all sixteen cases. In $d$ dimensions we check {eq}`thm1-convex-region` along rays: for random unit
# directions $v$, bisection on $t$ finds where the smallest eigenvalue of the autograd Hessian at
# $\mu^* + t v$ changes sign, and the result should be $t^* = (v^\top A v)^{-1/2}$.

# %%
def psd_edge_along_ray(direction, cov, sigma2, t_max=50.0, steps=60):
    """Bisection for the t where the autograd Hessian at t * direction stops being PSD."""
    zero = torch.zeros_like(direction)
    is_psd = lambda t: torch.linalg.eigvalsh(  # noqa: E731
        torch.func.hessian(lambda m: gaussian_mean(m, zero, cov, sigma2))(t * direction))[0] >= 0
    low, high = 0.0, t_max
    for _ in range(steps):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if is_psd(middle) else (low, middle)
    return 0.5 * (low + high)

# %%
generator = torch.Generator().manual_seed(SEED + 2)
D_RAYS, sigma2_rays = 3, 0.5
factor = torch.randn(D_RAYS, D_RAYS, generator=generator, dtype=F64)
cov_rays = factor @ factor.T / D_RAYS + 0.1 * torch.eye(D_RAYS, dtype=F64)
directions = torch.randn(8, D_RAYS, generator=generator, dtype=F64)
directions = directions / directions.norm(dim=-1, keepdim=True)
a_matrix = torch.linalg.inv(2 * cov_rays + sigma2_rays * torch.eye(D_RAYS, dtype=F64))
edges = torch.tensor([psd_edge_along_ray(v, cov_rays, sigma2_rays) for v in directions], dtype=F64)
predicted_edges = 1.0 / torch.sqrt(torch.einsum("ri,ij,rj->r", directions, a_matrix, directions))
ray_error = (edges - predicted_edges).abs().max().item()
print(f"ray edges: {[round(e, 4) for e in edges.tolist()]}")
print(f"largest |bisection - (v^T A v)^(-1/2)| = {ray_error:.1e}")
assert ray_error < 1e-6

# %%
radius_d = gaussian_mean_convex_radius(cov_rays, sigma2_rays).item()
smallest_axis = torch.linalg.eigh(cov_rays).eigenvectors[:, 0]
edge_smallest = psd_edge_along_ray(smallest_axis, cov_rays, sigma2_rays)
print(f"r_convex = sqrt(sigma2 + 2 lambda_min) = {radius_d:.4f}; bisection along the smallest axis: {edge_smallest:.4f}")
print(f"shortest edge over the random rays: {edges.min().item():.4f} (never below r_convex)")
assert abs(edge_smallest - radius_d) < 1e-6
assert edges.min().item() >= radius_d - 1e-9

# %% [markdown]
# The same factorisation bounds the curvature. The eigenvalues of $I - uu^\top$ lie in $[1 - q, 1]$, and
# $|1 - q|\, e^{-q/2} \le 1$ for every $q \ge 0$, so the Hessian's spectral norm never exceeds
# $L = C \lambda_{\max}(A) = C / (\sigma^2 + 2\lambda_{\min}(\Sigma))$: the gradient is $L$-Lipschitz, which
# the gradient descent argument of {doc}`mmd_as_a_loss` needs. A check on random points in the three-dimensional example:

# %%
generator = torch.Generator().manual_seed(SEED + 3)
far_and_near = 4.0 * torch.randn(2000, D_RAYS, generator=generator, dtype=F64)
hessians = gaussian_mean_hessian(far_and_near, torch.zeros(D_RAYS, dtype=F64), cov_rays, sigma2_rays)
spectral = torch.linalg.matrix_norm(hessians, ord=2)
constant = 2.0 * torch.linalg.det(torch.eye(D_RAYS, dtype=F64) + 2.0 * cov_rays / sigma2_rays) ** -0.5
lipschitz = (constant / (sigma2_rays + 2.0 * torch.linalg.eigvalsh(cov_rays)[0])).item()
print(f"largest Hessian norm on 2000 points {spectral.max().item():.4f} <= L = {lipschitz:.4f}")
assert spectral.max().item() <= lipschitz

# %% [markdown]
# ### The paper's convexity condition
#
# Section 3.1 of the paper claims that if $\mu^*$ lies within a ball of radius $r$ around the initial
# point, then choosing $\sigma^2 \ge 2r$ makes the objective strongly convex, so gradient descent
# converges linearly. By {eq}`thm1-convex-region`, the loss is strongly convex on the whole ball
# $\|\mu - \mu^*\| \le r$ (the set that contains every such starting point) exactly when
# $r^2 < \sigma^2 + 2\lambda_{\min}(\Sigma)$. With $\sigma^2 = 2r$ that requires $r^2 - 2r < 2\lambda_{\min}(\Sigma)$,
# which fails for every large enough $r$. We test the paper's choice $\sigma^2 = 2r$ in one dimension,
# where the ball is the interval $[-r, r]$, for a small and a unit $\Sigma$, with the autograd second derivative.

# %%
def min_second_derivative(r, sigma2, variance, points=2001):
    """Smallest second derivative of the 1-D loss on the ball [-r, r] around mu_star = 0."""
    return second_derivative_1d(torch.linspace(-r, r, points, dtype=F64), sigma2, variance).min().item()


claim_rows = []
for variance in (0.01, 1.0):
    for r in (0.5, 1.0, 2.0, 3.0, 5.0, 10.0):
        claim_rows.append((variance, r, min_second_derivative(r, 2 * r, variance)))

# %%
print(f"{'Sigma':>6s} {'r':>5s} {'sigma2 = 2r':>11s} {'min 2nd deriv.':>16s} {'convex':>7s} {'predicted':>9s}")
for variance, r, smallest in claim_rows:
    predicted = r**2 < 2 * r + 2 * variance
    print(f"{variance:6.2f} {r:5.1f} {2 * r:11.1f} {smallest:16.3e} {str(smallest > 0):>7s} {str(predicted):>9s}")
    assert (smallest > 0) == predicted
failures = [(variance, r) for variance, r, smallest in claim_rows if smallest <= 0]
assert (0.01, 3.0) in failures
assert (1.0, 3.0) in failures
glue("thm1_paper_condition_first_failure_r", min(r for variance, r in failures if variance == 0.01), display=False)

# %% [markdown]
# ```{warning}
# **The paper's convexity condition is wrong.** Section 3.1 states that $\sigma^2 \ge 2r$ makes the loss
# strongly convex on a ball of radius $r$. The cell above finds a negative second derivative inside the
# ball for $\sigma^2 = 2r$ from $r = 3$ on, both for $\Sigma = 0.01$ and for $\Sigma = 1$. In general the
# paper's choice fails whenever $r^2 \ge 2r + 2\lambda_{\min}(\Sigma)$, that is for
# $r \ge 1 + \sqrt{1 + 2\lambda_{\min}(\Sigma)}$ (about 2.01 and 2.73 for these two covariances). The condition also mixes
# units: $\sigma^2$ is a squared length and $r$ a length, so it cannot hold for every scaling of the data.
# The correct statement, checked above by autograd in one dimension and by bisection along rays in three, is:
# the loss is convex exactly on the ellipsoid $(\mu - \mu^*)^\top (2\Sigma + \sigma^2 I)^{-1} (\mu - \mu^*) \le 1$,
# hence strongly convex on the ball of radius $r$ around $\mu^*$ if and only if $r^2 < \sigma^2 + 2\lambda_{\min}(\Sigma)$.
# The width $\sigma^2 \ge r^2$ suffices for every $\Sigma$. For $r < 2$ the paper's condition is sufficient but
# stricter than needed.
# ```
#
# The figure compares the two conditions: the convex radius $\sqrt{\sigma^2 + 2\lambda_{\min}(\Sigma)}$ for two
# covariances with the radius $\sigma^2/2$ that the paper's rule allows.

# %%
sigma2_axis = torch.linspace(0.01, 30.0, 600, dtype=F64)
radius_small_cov = gaussian_mean_convex_radius(0.01 * COV_1D, sigma2_axis)
radius_unit_cov = gaussian_mean_convex_radius(COV_1D, sigma2_axis)
paper_radius = sigma2_axis / 2

# %% [markdown]
# {numref}`fig-thm1-convex` compares the true convex radius with the paper's rule.

# %% mystnb={"figure": {"caption": "Radius of the largest ball around $\\mu^*$ on which the loss is convex, computed numerically, against the radius the paper's rule $\\sigma^2 \\ge 2r$ allows.", "name": "fig-thm1-convex"}}
fig_convex, ax = plt.subplots(figsize=(6, 3.8))
ax.plot(sigma2_axis, radius_small_cov, label=r"convex radius, $\Sigma = 0.01$")
ax.plot(sigma2_axis, radius_unit_cov, label=r"convex radius, $\Sigma = 1$")
ax.plot(sigma2_axis, paper_radius, "k--", label=r"paper's rule, $r = \sigma^2 / 2$")
ax.set_xlabel(r"$\sigma^2$")
ax.set_ylabel(r"radius $r$ around $\mu^*$")
ax.set_title("Convex ball: true radius vs the paper's rule")
ax.legend()
fig_convex.tight_layout()
glue("thm1_convex_radius_fig", fig_convex, display=False)
plt.show()

# %% [markdown]
# Where the dashed line lies above a solid curve, the paper's rule admits a ball on which the loss is not convex.
#
# ## The gradient underflows far from the optimum
#
# The gradient $C e^{-q/2} A\delta$ is positive for every $\delta \neq 0$, but $e^{-q/2}$ drops below the
# smallest positive floating-point number once $q/2$ exceeds about $103$ in float32 and $745$ in float64.
# Beyond that distance, autograd through `gaussian_mean` returns exactly $0.0$, so gradient descent
# started there does not move. We scan the distance in one dimension with $\Sigma = 1$, $\sigma^2 = 1$.

# %%
def first_zero_gradient(dtype, use_plain_expm1=False):
    """Smallest grid distance at which the autograd gradient of the 1-D loss is exactly 0.0."""
    grid = torch.linspace(0.5, 80.0, 7951, dtype=dtype)  # step 0.01
    mu = grid.clone().requires_grad_()
    if use_plain_expm1:  # the textbook route: torch.expm1 differentiates as result + 1
        q = mu**2 / 3.0
        total = (-2.0 / math.sqrt(3.0) * torch.expm1(-q / 2)).sum()
    else:
        total = gaussian_mean(mu[:, None], torch.zeros(1, dtype=dtype), torch.ones(1, 1, dtype=dtype), 1.0).sum()
    grad, = torch.autograd.grad(total, mu)
    assert not bool(torch.isnan(grad).any())
    return grid[grad == 0].min().item()

# %%
underflow = {}
for dtype in (torch.float32, torch.float64):
    name = str(dtype).removeprefix("torch.")
    smallest_log = math.log(torch.finfo(dtype).smallest_normal * torch.finfo(dtype).eps)
    predicted = math.sqrt(2 * 3.0 * -smallest_log)
    underflow[name] = (first_zero_gradient(dtype), predicted, first_zero_gradient(dtype, use_plain_expm1=True))
    print(f"{name}: gradient exactly 0.0 (never NaN) from |mu - mu*| = {underflow[name][0]:.2f}; "
          f"exp(-q/2) underflow predicts {predicted:.2f}; plain expm1 route: {underflow[name][2]:.2f}")
    assert abs(underflow[name][0] - predicted) < 0.2
    glue(f"thm1_grad_zero_distance_{name}", round(underflow[name][0], 2), display=False)

# %% [markdown]
# The gradient becomes exactly zero (not NaN) at the distance where $e^{-q/2}$ underflows: about
# 24.9 in float32 and 66.8 in float64 for this $\Sigma$ and $\sigma^2$. A plain `torch.expm1` in the loss
# loses the gradient much earlier, because PyTorch differentiates `expm1` as its result plus one, which
# cancels to zero once $e^{-q/2}$ falls below half the spacing of floats just below 1. `mmdlib` avoids
# this by giving the `expm1` term the derivative $e^{z}$ computed directly (see
# `mmdlib.closed_form.population._expm1_exact_derivative`).
#
# ```{admonition} Finding: a flat plateau, in exact and in floating-point arithmetic
# The theorem is right that $\mu^*$ is the only stationary point, yet far from $\mu^*$ the gradient is
# $e^{-q/2}$ small and in floating point it is exactly zero. The paper notes that the gradient vanishes
# when the initialization is too far away. The numbers above give the distance: it is where
# $q = \|\mu - \mu^*\|^2 / (\sigma^2 + 2\Sigma)$ reaches about $207$ (float32) or $1490$ (float64).
# In practice the gradient is too small for any fixed step size long before that.
# ```
#
# The plateau is visible on a log scale: the gradient magnitude against the distance, in float64.

# %%
distance = torch.linspace(0.0, 70.0, 1401, dtype=F64)[1:]
grad_far = {s2: gaussian_mean_gradient(distance[:, None], MU_STAR_1D, COV_1D, s2)[:, 0] for s2 in (1.0, 4.0, 16.0)}

# %% [markdown]
# {numref}`fig-thm1-underflow` follows the derivative until it underflows.

# %% mystnb={"figure": {"caption": "Derivative of the Theorem 1 loss far from $\\mu^*$ in float64: it decays like a Gaussian and underflows to exactly zero, never to NaN.", "name": "fig-thm1-underflow"}}
fig_underflow, ax = plt.subplots(figsize=(6, 3.8))
for s2, grad_values in grad_far.items():
    positive = grad_values > 0
    ax.semilogy(distance[positive], grad_values[positive], label=f"$\\sigma^2 = {s2:g}$")
ax.axhline(torch.finfo(F64).smallest_normal * torch.finfo(F64).eps, color="grey", ls=":",
           label="smallest float64")
ax.set_xlabel(r"$|\mu - \mu^*|$")
ax.set_ylabel(r"$\partial\, \mathrm{MMD}^2 / \partial \mu$")
ax.set_title(r"Gradient far from $\mu^*$ ($\Sigma = 1$, float64)")
ax.legend()
fig_underflow.tight_layout()
plt.show()

# %% [markdown]
# ## Summary
#
# - The closed form of Theorem 1 (eq. 3) follows from Lemma 4 in four steps and matches Monte Carlo within
#   a few standard errors ({glue:text}`thm1_mc_max_z` at most) in dimensions 1, 2 and 5.
# - Its gradient and Hessian {eq}`thm1-derivatives` agree with autograd and finite differences. The gradient vanishes only
#   at $\mu = \mu^*$, as the theorem states.
# - The loss is convex exactly where $(\mu - \mu^*)^\top (2\Sigma + \sigma^2 I)^{-1} (\mu - \mu^*) \le 1$. The
#   paper's rule $\sigma^2 \ge 2r$ for a convex ball of radius $r$ is wrong for large $r$; the correct rule
#   is $\sigma^2 > r^2 - 2\lambda_{\min}(\Sigma)$.
# - Far from $\mu^*$ the gradient underflows to exactly zero, at a distance of about {glue:text}`thm1_grad_zero_distance_float32`
#   in float32 and {glue:text}`thm1_grad_zero_distance_float64` in float64 for $\Sigma = \sigma^2 = 1$.
