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
# # MMD as a loss
#
# The maximum mean discrepancy {cite}`gretton2012kernel` compares two distributions through a kernel. The
# paper {cite}`alon2021landscape` studies what happens when it is used as a training loss: fit the parameter
# $\theta$ of a model $P_\theta$ to data from $P_{\theta^*}$ by minimising the squared MMD with gradient
# descent. This chapter fixes the kernel, the population loss and its finite-sample estimators, shows how
# the estimators differ in bias and sign, explains why a "benign landscape" lets gradient descent find
# the global minimum, and lists how other libraries scale the kernel width.

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
from geomloss import SamplesLoss

from mmdlib.closed_form import gaussian_mean, gaussian_mean_model
from mmdlib.estimators import mmd2_biased, mmd2_one_sided, mmd2_unbiased
from mmdlib.kernels import gaussian_kernel
from mmdlib.plotting import KIND_STYLES, METHOD_COLORS

try:
    from myst_nb import glue
except ImportError:
    def glue(*args, **kwargs):
        pass

torch.set_num_threads(1)
SEED = 20211026
F64 = torch.float64

# %% [markdown]
# ## The kernel
#
# Throughout the book the kernel is the Gaussian (RBF) kernel of the paper's eq. (2),
#
# $$
# k(x, y) = \exp\!\left(-\frac{\|x - y\|^2}{2\sigma^2}\right), \qquad x, y \in \R^d ,
# $$ (mmd-rbf-kernel)
#
# with the kernel variance $\sigma^2$ as its only parameter, called `sigma2` in code. It equals 1 on the
# diagonal and $e^{-1/2}$ at distance $\sigma$.

# %%
print(inspect.getsource(gaussian_kernel))

# %%
generator = torch.Generator().manual_seed(SEED)
points = torch.randn(6, 3, generator=generator, dtype=F64)
sigma2 = 2.0
gram = gaussian_kernel(points, points, sigma2)  # K_xx, shape (6, 6)
at_sigma = gaussian_kernel(torch.zeros(1, 3, dtype=F64), torch.tensor([[math.sqrt(sigma2), 0.0, 0.0]], dtype=F64), sigma2)
print(f"diagonal all 1: {bool(torch.all(gram.diagonal() == 1))}, symmetric: {bool(torch.equal(gram, gram.T))}, "
      f"smallest eigenvalue {torch.linalg.eigvalsh(gram)[0].item():.3f}, k at distance sigma {at_sigma.item():.4f}")
assert torch.linalg.eigvalsh(gram)[0] > 0
assert abs(at_sigma.item() - math.exp(-0.5)) < 1e-15

# %% [markdown]
# ## The population loss
#
# For a model $P_\theta$ and the truth $P_{\theta^*}$, the paper's eq. (1) defines the loss
#
# $$
# \MMD^2(\theta, \theta^*) = \E_{X, X' \sim P_\theta} k(X, X') + \E_{Y, Y' \sim P_{\theta^*}} k(Y, Y')
#   - 2\, \E_{X \sim P_\theta,\, Y \sim P_{\theta^*}} k(X, Y),
# $$ (mmd-population)
#
# with all variables independent. The paper calls this quantity "MMD"; it is the square of the MMD
# distance of {cite}`gretton2012kernel`, and this book always writes $\MMD^2$. Because the Gaussian kernel
# is characteristic, $\MMD^2 = 0$ exactly when $P_\theta = P_{\theta^*}$. For Gaussian models every
# expectation in {eq}`mmd-population` has a closed form ({doc}`thm1_gaussian_mean`); the running example
# of this chapter is $P_\mu = \mathcal{N}(\mu, I_2)$ against $P_{\mu^*} = \mathcal{N}(0, I_2)$ with $\sigma^2 = 1$.

# %%
D = 2
COV = torch.eye(D, dtype=F64)
MU_STAR = torch.zeros(D, dtype=F64)
MU = torch.tensor([1.0, 0.0], dtype=F64)
SIGMA2 = 1.0
population = gaussian_mean(MU, MU_STAR, COV, SIGMA2).item()
self_similarity = torch.linalg.det(torch.eye(D, dtype=F64) + 2 * COV / SIGMA2).item() ** -0.5  # E k(X, X')
print(f"MMD^2(mu, mu*) = {population:.5f}; E k(X, X') = E k(Y, Y') = {self_similarity:.5f}")

# %% [markdown]
# ## Finite-sample estimators
#
# With a model sample $x_1, \dots, x_n \sim P_\theta$ and data $y_1, \dots, y_m \sim P_{\theta^*}$, the paper's
# eq. (21) replaces each expectation by an average over distinct pairs:
#
# $$
# \widehat{\MMD}^2_u = \frac{1}{n(n-1)} \sum_{i \ne j} k(x_i, x_j) + \frac{1}{m(m-1)} \sum_{i \ne j} k(y_i, y_j)
#   - \frac{2}{nm} \sum_{i, j} k(x_i, y_j) .
# $$ (mmd-u-statistic)
#
# This U-statistic is unbiased, so it must sometimes be negative when the true value is zero. Keeping
# the diagonal terms $i = j$ (each equal to $k(x, x) = 1$) gives the V-statistic
# $\widehat{\MMD}^2_b = \|\frac1n \sum_i k(x_i, \cdot) - \frac1m \sum_j k(y_j, \cdot)\|^2_{\mathcal{H}} \ge 0$. Its
# mean follows from splitting off the diagonal: with $c_P = \E k(X, X')$ and $c_Q = \E k(Y, Y')$,
#
# $$
# \E\, \widehat{\MMD}^2_b = \MMD^2 + \frac{1 - c_P}{n} + \frac{1 - c_Q}{m} .
# $$ (mmd-v-bias)
#
# We draw 4000 independent pairs of samples with $n = m = 20$, once at $\mu = (1, 0)$ and once at the
# truth $\mu = \mu^*$, and evaluate both estimators on each pair (the estimators are batched over draws).

# %%
N_DRAWS, N, M = 4000, 20, 20
generator = torch.Generator().manual_seed(SEED + 1)


def draw(mean, count):
    """N_DRAWS independent samples of size count from N(mean, I), shape (N_DRAWS, count, D)."""
    return mean + torch.randn(N_DRAWS, count, D, generator=generator, dtype=F64)


y = draw(MU_STAR, M)
estimates = {}
for label, mean in (("shifted", MU), ("truth", MU_STAR)):
    x = draw(mean, N)
    estimates[label] = {"U": mmd2_unbiased(x, y, SIGMA2), "V": mmd2_biased(x, y, SIGMA2)}

# %%
v_bias = (1 - self_similarity) / N + (1 - self_similarity) / M
print(f"{'case':8s} {'estimator':9s} {'mean':>9s} {'std. error':>11s} {'expected':>9s} {'z':>6s}")
for label, exact in (("shifted", population), ("truth", 0.0)):
    for name, expected in (("U", exact), ("V", exact + v_bias)):
        values = estimates[label][name]
        mean, stderr = values.mean().item(), values.std().item() / math.sqrt(N_DRAWS)
        z = (mean - expected) / stderr
        print(f"{label:8s} {name:9s} {mean:9.5f} {stderr:11.2e} {expected:9.5f} {z:6.2f}")
        assert abs(z) < 4.0, (label, name, z)

# %% [markdown]
# Both means agree with their predictions: the U-statistic with $\MMD^2$ itself, the V-statistic with
# $\MMD^2$ plus the bias {eq}`mmd-v-bias`, which here is $2(1 - 1/3)/20 \approx 0.067$, two thirds of the
# loss at $\mu = (1, 0)$. The bias does not depend on $\mu$ in this model (both $c_P$ and $c_Q$ are fixed by
# $\Sigma$), so it shifts the landscape without moving its minimiser. The price of unbiasedness is the sign:

# %%
negative_fraction = (estimates["truth"]["U"] < 0).double().mean().item()
negative_fraction_shifted = (estimates["shifted"]["U"] < 0).double().mean().item()
print(f"U-statistic negative in {negative_fraction:.3f} of the draws at the truth, "
      f"{negative_fraction_shifted:.3f} at mu = (1, 0)")
print(f"smallest V-statistic over all draws: {min(v['V'].min().item() for v in estimates.values()):.4f}")
assert 0.3 < negative_fraction < 0.8
assert all(bool((v["V"] >= 0).all()) for v in estimates.values())
glue("mmd_u_negative_fraction_truth", round(negative_fraction, 3), display=False)

# %% [markdown]
# ## The one-sided estimator
#
# When the model is a Gaussian (or a Gaussian mixture), the model side of {eq}`mmd-population` is known in
# closed form, and only the data need sampling. The paper's one-sided MMD keeps the data terms of
# {eq}`mmd-u-statistic` and replaces the model terms by their expectations:
#
# $$
# \widehat{\MMD}^2_{\mathrm{os}} = \E k(X, X') - \frac{2}{m} \sum_j \E_{X \sim P_\theta} k(X, y_j)
#   + \frac{1}{m(m-1)} \sum_{i \ne j} k(y_i, y_j) .
# $$ (mmd-one-sided)
#
# It is also unbiased, and with no model-sampling noise it varies less.

# %%
one_sided = {
    "shifted": mmd2_one_sided(gaussian_mean_model(MU, COV), y, SIGMA2),
    "truth": mmd2_one_sided(gaussian_mean_model(MU_STAR, COV), y, SIGMA2),
}
for label, exact in (("shifted", population), ("truth", 0.0)):
    values = one_sided[label]
    mean, stderr = values.mean().item(), values.std().item() / math.sqrt(N_DRAWS)
    ratio = values.std().item() / estimates[label]["U"].std().item()
    print(f"{label:8s} one-sided mean {mean:8.5f} (expected {exact:.5f}, z = {(mean - exact) / stderr:5.2f}), "
          f"std / std of U = {ratio:.3f}, negative in {(values < 0).double().mean().item():.3f}")
    assert abs(mean - exact) < 4.0 * stderr
    assert ratio < 1.0

# %% [markdown]
# {numref}`fig-estimators` draws the spread of the three estimates over the repeated draws.

# %% mystnb={"figure": {"caption": "Spread of the U- and V-statistics of MMD\u00b2 over repeated draws, at the truth (left) and at a shifted mean (right), against the population value.", "name": "fig-estimators"}}
fig_estimators, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
bins = torch.linspace(-0.15, 0.45, 61)
for ax, (label, exact) in zip(axes, (("truth", 0.0), ("shifted", population))):
    ax.hist(estimates[label]["U"], bins=bins, alpha=0.5, color=METHOD_COLORS["mmd"], label="U-statistic (eq. 21)")
    ax.hist(estimates[label]["V"], bins=bins, alpha=0.5, color="#7f7f7f", label="V-statistic")
    ax.hist(one_sided[label], bins=bins, histtype="step", lw=1.5, color=METHOD_COLORS["one_sided_mmd"],
            label="one-sided")
    ax.axvline(exact, color="black", ls="--", label=r"population $\mathrm{MMD}^2$")
    ax.set_xlabel(r"estimate of $\mathrm{MMD}^2$")
axes[0].set_title(r"At the truth, $\mu = \mu^*$")
axes[1].set_title(r"At $\mu = (1, 0)$")
axes[0].set_ylabel(f"count of {N_DRAWS} draws")
axes[0].legend(fontsize=8)
fig_estimators.tight_layout()
glue("mmd_estimators_fig", fig_estimators, display=False)
plt.show()

# %% [markdown]
# ## Why a benign landscape is enough
#
# The loss is almost never convex in $\theta$, so the paper's argument runs through the structure of its
# critical points instead.
#
# ```{prf:definition} Strict saddle property
# :label: mmd-strict-saddle
# :nonumber:
#
# A twice differentiable $f$ has the strict saddle property if every critical point ($\nabla f(\theta) = 0$)
# is either a local minimum or has a Hessian $\nabla^2 f(\theta)$ with at least one strictly negative
# eigenvalue (a *strict saddle*).
# ```
#
# ```{prf:theorem} Gradient descent avoids strict saddles (Lee et al.)
# :label: mmd-lee-theorem
# :nonumber:
#
# Let $f$ be twice continuously differentiable with an $L$-Lipschitz gradient, and run
# $\theta_{t+1} = \theta_t - \alpha \nabla f(\theta_t)$ with $0 < \alpha < 1/L$. Then the set of initial points
# from which the iterates converge to a strict saddle has Lebesgue measure zero. So for an initial point
# drawn from any distribution with a density, with probability one, the iterates do not converge to a
# strict saddle.
# ```
#
# This is the main result of {cite}`lee2016gradient`, stated there for isolated saddles and extended in
# {cite}`lee2019first` to saddles that need not be isolated and to other first-order methods. Three properties together give the paper's proof strategy:
#
# 1. **Strict saddles.** Every critical point that is not a local minimum is a strict saddle.
# 2. **No spurious local minima.** Every local minimum is global.
# 3. **Lipschitz gradient.** It makes a small constant step size safe.
#
# Then, with a random initial point and with probability one, gradient descent can converge only to a
# local minimum (1 and 3 with the theorem), which is a global one (2). Two caveats remain. The theorem
# makes no claim about a deterministic initial point, which may lie on the measure-zero set that flows to a
# saddle. It also does not promise that the iterates converge at all, or how fast. The paper's own
# statement adds "if the iterations have a limit". Escaping a saddle can take long; adding noise to the
# steps gives polynomial-time escape {cite}`ge2015escaping`.
#
# A two-dimensional example shows both sides: $f(u, v) = u^2/2 + v^4/4 - v^2/2$ has a strict saddle at
# the origin (Hessian eigenvalues $1$ and $-1$) and two global minima at $(0, \pm 1)$.

# %%
def descend(start, steps=400, step_size=0.1):
    """Gradient descent on f(u, v) = u^2/2 + v^4/4 - v^2/2 from a (k, 2) batch of starting points."""
    path = [start]
    for _ in range(steps):
        u, v = path[-1][:, 0], path[-1][:, 1]
        gradient = torch.stack([u, v**3 - v], dim=-1)
        path.append(path[-1] - step_size * gradient)
    return torch.stack(path)  # (steps + 1, k, 2)


generator = torch.Generator().manual_seed(SEED + 2)
random_starts = 2.0 * torch.rand(1000, 2, generator=generator, dtype=F64) - 1.0
on_stable_line = torch.tensor([[0.9, 0.0], [-0.7, 0.0]], dtype=F64)
random_paths, line_paths = descend(random_starts), descend(on_stable_line)

# %%
random_ends = random_paths[-1]
at_minimum = ((random_ends[:, 0].abs() < 1e-6) & ((random_ends[:, 1].abs() - 1).abs() < 1e-6)).double().mean().item()
print(f"random starts that reached a global minimum: {at_minimum:.3f}")
print(f"starts on the line v = 0 end at {line_paths[-1].abs().max().item():.1e} from the saddle")
assert at_minimum == 1.0
assert line_paths[-1].abs().max().item() < 1e-12

# %% [markdown]
# {numref}`fig-strict-saddle` shows why the random start matters.

# %% mystnb={"figure": {"caption": "Gradient descent on a function with one strict saddle: paths from random starts reach a minimum, paths started on the line $v = 0$ end at the saddle.", "name": "fig-strict-saddle"}}
fig_saddle, ax = plt.subplots(figsize=(5, 4))
u_grid, v_grid = torch.meshgrid(torch.linspace(-1.2, 1.2, 121), torch.linspace(-1.5, 1.5, 151), indexing="xy")
ax.contour(u_grid, v_grid, u_grid**2 / 2 + v_grid**4 / 4 - v_grid**2 / 2, levels=20, colors="#bbbbbb", linewidths=0.6)
for k in range(0, 1000, 100):
    ax.plot(random_paths[:, k, 0], random_paths[:, k, 1], color=METHOD_COLORS["mmd"], lw=0.8)
for k in range(2):
    ax.plot(line_paths[:, k, 0], line_paths[:, k, 1], color=KIND_STYLES["strict saddle"]["color"], lw=1.5)
for kind, (pu, pv) in (("minimum", ([0, 0], [1, -1])), ("strict saddle", ([0], [0]))):
    style = KIND_STYLES[kind]
    ax.scatter(pu, pv, color=style["color"], marker=style["marker"], s=80, zorder=3, label=style["label"])
ax.set_xlabel("$u$")
ax.set_ylabel("$v$")
ax.set_title("Gradient descent: random starts vs starts on $v = 0$")
ax.legend(loc="upper right", fontsize=8)
fig_saddle.tight_layout()
plt.show()

# %% [markdown]
# Every random start ends at a global minimum; the starts placed exactly on the line $v = 0$, a set of
# measure zero, converge to the saddle. For the models of the following chapters the paper argues
# properties 1 and 2. Property 3 is checked for Theorem 1's loss in {doc}`thm1_gaussian_mean`, where the
# Hessian's norm never exceeds $2 \det(I + 2\Sigma/\sigma^2)^{-1/2} / (\sigma^2 + 2\lambda_{\min}(\Sigma))$.
#
# ## How other libraries scale the kernel
#
# The same kernel {eq}`mmd-rbf-kernel` appears under three parametrisations, and the estimators differ
# by factors. Converting a width between libraries:
#
# | Library | Width argument | In terms of $\sigma^2$ | Estimator returned | Checked here |
# |---|---|---|---|---|
# | `mmdlib` (this book) | `sigma2` | $\sigma^2$ | `mmd2_unbiased`: U-statistic (eq. 21); `mmd2_biased`: V-statistic | yes |
# | geomloss 0.3.1, `SamplesLoss("gaussian", blur=...)` | `blur` | $\sigma = \sqrt{\sigma^2}$ | half the V-statistic, $\tfrac12 \widehat{\MMD}^2_b$ | yes, below |
# | alibi-detect, `GaussianRBF(sigma=...)` with `mmd2` | `sigma` | $\sigma = \sqrt{\sigma^2}$ | U-statistic (diagonals removed) | no: not installed |
# | scikit-learn, `rbf_kernel(X, Y, gamma=...)` | `gamma` | $\gamma = 1/(2\sigma^2)$ | kernel matrix only | formula only, below |
# | hyppo, Gaussian kernel via scikit-learn's `pairwise_kernels` | `gamma` | $\gamma = 1/(2\sigma^2)$; by default $\sigma$ is the median pairwise $L^1$ distance | test statistic for a two-sample test | no: not installed |
#
# geomloss is a dependency of this book, so the conversion is checked against the installed version.
# It returns half the V-statistic because it reports $\frac12 \|\cdot\|^2_{\mathcal{H}}$.

# %%
generator = torch.Generator().manual_seed(SEED + 3)
x_small = torch.randn(30, D, generator=generator, dtype=F64)
y_small = torch.randn(40, D, generator=generator, dtype=F64) + 0.5
sigma2_check = 0.64
geomloss_value = SamplesLoss("gaussian", blur=math.sqrt(sigma2_check), backend="tensorized")(x_small, y_small).item()
v_value = mmd2_biased(x_small, y_small, sigma2_check).item()
print(f"geomloss blur = sqrt(sigma2): {geomloss_value:.6f}; half of mmd2_biased: {v_value / 2:.6f}")
assert abs(geomloss_value - v_value / 2) < 1e-12

# %% [markdown]
# scikit-learn and alibi-detect are not dependencies of this book, and we do not add them for one check.
# scikit-learn documents its kernel as $\exp(-\gamma \|x - y\|^2)$; the cell evaluates that formula with
# $\gamma = 1/(2\sigma^2)$ and compares it with `gaussian_kernel`. It prints the same line on every machine,
# because it never tries to import scikit-learn.

# %%
gamma = 1.0 / (2.0 * sigma2_check)
squared = ((x_small[:, None, :] - y_small[None, :, :]) ** 2).sum(-1)
sklearn_formula = torch.exp(-gamma * squared)  # scikit-learn's documented rbf_kernel
gamma_error = (sklearn_formula - gaussian_kernel(x_small, y_small, sigma2_check)).abs().max().item()
print("scikit-learn is not in requirements.txt: checked against its documented formula, not the package")
print(f"exp(-gamma |x - y|^2) with gamma = 1 / (2 sigma2) vs gaussian_kernel: max |difference| {gamma_error:.1e}")
assert gamma_error < 1e-15

# %% [markdown]
# ## Summary
#
# - The kernel is $\exp(-\|x-y\|^2/(2\sigma^2))$ with parameter $\sigma^2$ (`sigma2`); the loss is the squared
#   MMD {eq}`mmd-population`, which the paper calls MMD.
# - The U-statistic of eq. (21) is unbiased and negative in about {glue:text}`mmd_u_negative_fraction_truth` of
#   the draws at the truth. The V-statistic is never negative but is biased upwards by
#   $(1 - c_P)/n + (1 - c_Q)/m$. The one-sided estimator is unbiased with a smaller spread.
# - Strict saddles, no spurious local minima and a Lipschitz gradient make gradient descent from a random
#   start reach a global minimum with probability one, provided it converges.
# - geomloss's `blur` is $\sigma$ and its Gaussian loss is half the V-statistic; scikit-learn's and hyppo's
#   $\gamma$ is $1/(2\sigma^2)$.
