# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
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
# # Theorem 2: a Gaussian with unknown rank-one covariance
#
# The second model of {cite}`alon2021landscape` is a zero-mean Gaussian whose covariance is a rank-one
# matrix plus a known isotropic floor. Maximum likelihood is badly conditioned here, and the paper
# argues that the MMD landscape is still benign. This chapter derives the loss, its gradient and its
# Hessian independently, compares them with the printed Lemmas 5 and 6, finds the complete stationary
# set (including exactly when the ring of saddles exists), checks the claim about $a = 0$, explores
# Lemma 7's bound and redraws Figure 2.

# %%
try:
    import google.colab  # noqa: F401
    IN_COLAB = True
except ImportError:
    IN_COLAB = False
if IN_COLAB:
    # %pip install -q "mmdlib @ git+https://github.com/mmd-landscape/mmd-landscape@main"

# %%
import math

import matplotlib.pyplot as plt
import torch

from mmdlib.closed_form import gaussian_rank_one
from mmdlib.closed_form import rank_one as r1
from mmdlib.estimators import mmd2_unbiased
from mmdlib.display import print_source
from mmdlib.landscape import count_kinds, find_local_minima, find_stationary_points
from mmdlib.plotting import plot_landscape_2d

try:
    from myst_nb import glue
except ImportError:
    def glue(*args, **kwargs):
        pass

torch.set_num_threads(1)
SEED = 20211027
F64 = torch.float64

# %% [markdown]
# ## Statement
#
# The kernel is $k(x, y) = \exp(-\|x - y\|^2 / (2\sigma^2))$ and "MMD" means the squared MMD, as in the
# rest of the book.
#
# ```{prf:theorem} Gaussian with unknown rank-one covariance (Theorem 2, eqs. 6-8)
# :label: thm2-statement
# :nonumber:
#
# Let $P_a = \mathcal{N}(0, aa^\top + \varepsilon^2 I)$ with $a \in \R^d$ unknown (eq. 6) and data from
# $P_{a^*}$. Then
#
# $$
# \begin{aligned}
# \MMD(a^*, a) = {} & \left|\tfrac{1}{\sigma^2}(2aa^\top + 2\varepsilon^2 I) + I\right|^{-1/2}
# + \left|\tfrac{1}{\sigma^2}(2a^*a^{*\top} + 2\varepsilon^2 I) + I\right|^{-1/2} \\
# & - 2\left|\tfrac{1}{\sigma^2}(aa^\top + a^*a^{*\top} + 2\varepsilon^2 I) + I\right|^{-1/2} \qquad (7)
# \end{aligned}
# $$
#
# has global minima at $\pm a^*$, a maximum at $a = 0$, and (if the radius exists) further stationary
# points $\{a : a^\top a^* = 0,\ \|a\|^2 = r\}$ with, writing $c = 2\varepsilon^2 + \sigma^2$,
#
# $$
# r = \frac{c\left((\|a^*\|^2 + c)^{1/3} - c^{1/3}\right)}{2c^{1/3} - (\|a^*\|^2 + c)^{1/3}}, \quad (8)
# $$
#
# all of which are strict saddles.
# ```
#
# The checks below read "a maximum" both as "a local maximum" and as "the global maximum", and make
# "if the radius exists" exact.

# %% [markdown]
# ## Derivation from Lemma 4
#
# Lemma 4 gives $\E\, e^{-\|Z\|^2/(2\sigma^2)} = |I + \Sigma/\sigma^2|^{-1/2}$ for $Z \sim \mathcal{N}(0, \Sigma)$.
# With $X, X' \sim P_a$ and $Y \sim P_{a^*}$ independent:
#
# 1. $X - X' \sim \mathcal{N}(0, 2aa^\top + 2\varepsilon^2 I)$ and $X - Y \sim \mathcal{N}(0, aa^\top + a^*a^{*\top} + 2\varepsilon^2 I)$,
#    which gives eq. (7) term by term.
# 2. Each matrix is $\sigma^{-2}(cI + UU^\top)$ with $U = [\sqrt2 a]$ or $U = [a, a^*]$. The Gram-matrix
#    identity $\det(cI_d + UU^\top) = c^d \det(I_k + U^\top U / c)$ turns every determinant into one of
#    size at most $2 \times 2$.
# 3. With $K = (\sigma^2/c)^{d/2}$, $B = \|a^*\|^2$, $p(a) = 1 + 2\|a\|^2/c$ and
#    $D(a) = \det\left(I_2 + \tfrac1c \begin{bmatrix} \|a\|^2 & a^\top a^* \\ a^\top a^* & B \end{bmatrix}\right)
#    = 1 + \frac{\|a\|^2 + B}{c} + \frac{\|a\|^2 B - (a^\top a^*)^2}{c^2}$:
#
# $$
# \MMD(a) = K\left[p(a)^{-1/2} + p(a^*)^{-1/2} - 2D(a)^{-1/2}\right].
# $$ (eq-thm2-gram-form)
#
# 4. $\nabla p = 4a/c$ and $\nabla D = 2Ma/c^2$ with $M = (c + B)I - a^*a^{*\top}$, so
#
# $$
# \nabla \MMD(a) = \frac{2K}{c^2}\left[-c\,p^{-3/2} a + D^{-3/2} M a\right],
# $$ (eq-thm2-gradient)
#
# $$
# \begin{aligned}
# \nabla^2 \MMD(a) = \frac{2K}{c^2}\Big[ & -c\,p^{-3/2} I + 6p^{-5/2} aa^\top \\
# & + D^{-3/2} M - \frac{3}{c^2} D^{-5/2} (Ma)(Ma)^\top\Big].
# \end{aligned}
# $$ (eq-thm2-hessian)
#
# The library implements {eq}`eq-thm2-gram-form`, {eq}`eq-thm2-gradient` and {eq}`eq-thm2-hessian`
# exactly:

# %%
for function in (r1._gram_terms, r1.rank_one_loss, r1.rank_one_gradient, r1.rank_one_hessian):
    print_source(function)

# %% [markdown]
# The Gram route agrees with the library's general route (one $d \times d$ Cholesky factor per
# expectation, `gaussian_rank_one`) and with an unbiased Monte Carlo estimate from samples. The
# settings deliberately use $\|a^*\| \neq 1$ and $\sigma^2 \neq 1$, because the paper normalises
# $a^* = e_1$ in its lemmas.

# %%
A_STAR = torch.tensor([1.7, -0.4, 0.3], dtype=F64)
EPS, SIGMA2 = 0.3, 2.5
generator = torch.Generator().manual_seed(SEED)
points = torch.randn(200, 3, generator=generator, dtype=F64) * 1.5

gram = r1.rank_one_loss(points, A_STAR, EPS, SIGMA2)
cholesky = gaussian_rank_one(points, A_STAR, EPS, SIGMA2)
route_error = float((gram - cholesky).abs().max())
print(f"|a*|^2 = {float(A_STAR.pow(2).sum()):.2f}, sigma2 = {SIGMA2}, eps = {EPS}")
print(f"max |Gram route - Cholesky route| over 200 points: {route_error:.1e}")
assert route_error < 1e-13

# %%
def eq7(a, a_star, eps, sigma2):
    """Eq. (7) typed out literally, with log-determinants of the three d x d matrices."""
    eye = torch.eye(a.shape[-1], dtype=F64)
    outer = lambda v: v.unsqueeze(-1) * v.unsqueeze(-2)  # noqa: E731
    term = lambda m: torch.exp(-0.5 * torch.linalg.slogdet(m / sigma2 + eye)[1])  # noqa: E731
    return (term(2 * outer(a) + 2 * eps**2 * eye) + term(2 * outer(a_star) + 2 * eps**2 * eye)
            - 2 * term(outer(a) + outer(a_star) + 2 * eps**2 * eye))


eq7_error = float((eq7(points, A_STAR, EPS, SIGMA2) - gram).abs().max())
print(f"max |eq. 7 as printed - Gram route|: {eq7_error:.1e}")
assert eq7_error < 1e-13

# %%
def sample_rank_one(a, eps, n, generator):
    """Draw n samples from N(0, a a^T + eps^2 I) as a z + eps w with z ~ N(0, 1), w ~ N(0, I)."""
    z = torch.randn(n, 1, generator=generator, dtype=F64)
    return z * a + eps * torch.randn(n, a.shape[0], generator=generator, dtype=F64)


a_test = torch.tensor([0.3, 0.8, -0.5], dtype=F64)
estimates = torch.stack([
    mmd2_unbiased(sample_rank_one(a_test, EPS, 400, generator), sample_rank_one(A_STAR, EPS, 400, generator), SIGMA2)
    for _ in range(60)
])
mc_mean, mc_se = float(estimates.mean()), float(estimates.std() / math.sqrt(len(estimates)))
exact = float(r1.rank_one_loss(a_test, A_STAR, EPS, SIGMA2))
print(f"closed form {exact:.4f}, Monte Carlo {mc_mean:.4f} +- {mc_se:.4f} (one standard error)")
assert abs(mc_mean - exact) < 4 * mc_se

# %% [markdown]
# ## The gradient: Lemma 5
#
# Lemma 5 (eq. 33) prints the gradient with the factor $(1 + 2\varepsilon^2 + \sigma^2)$ in its second
# term. That factor is $B + c$ with $B = \|a^*\|^2 = 1$: the lemma silently keeps the normalisation
# $a^* = e_1$ of the proof of Theorem 2. Autograd of the Cholesky route is the reference.

# %%
def autograd_gradients(a_star, eps, sigma2, at):
    loss = lambda a: gaussian_rank_one(a, a_star, eps, sigma2)  # noqa: E731
    return torch.stack([torch.func.grad(loss)(a) for a in at])


def autograd_hessians(a_star, eps, sigma2, at):
    loss = lambda a: gaussian_rank_one(a, a_star, eps, sigma2)  # noqa: E731
    return torch.stack([torch.func.jacrev(torch.func.grad(loss))(a) for a in at])

# %%
at = points[:40]
unit_star = A_STAR / A_STAR.norm()
reference = autograd_gradients(A_STAR, EPS, SIGMA2, at)
reference_unit = autograd_gradients(unit_star, EPS, SIGMA2, at)
scale = float(reference.abs().max())

ours = float((r1.rank_one_gradient(at, A_STAR, EPS, SIGMA2) - reference).abs().max()) / scale
printed = float((r1.lemma5_gradient_as_printed(at, A_STAR, EPS, SIGMA2) - reference).abs().max()) / scale
printed_unit = float((r1.lemma5_gradient_as_printed(at, unit_star, EPS, SIGMA2) - reference_unit).abs().max())
print(f"relative max error, corrected gradient, |a*| != 1:  {ours:.1e}")
print(f"relative max error, printed Lemma 5,   |a*| != 1:  {printed:.3g}")
print(f"absolute max error, printed Lemma 5,   |a*| = 1:   {printed_unit:.1e}")
glue("thm2_lemma5_printed_error", printed, display=False)
glue("thm2_gradient_error", ours, display=False)

# %%
assert ours < 1e-12
assert printed_unit < 1e-14
assert printed > 0.1, "the printed Lemma 5 should fail for |a*| != 1"

# %% [markdown]
# ```{warning}
# **Lemma 5 holds only for $\|a^*\| = 1$.** As printed, its second term carries $(1 + 2\varepsilon^2 + \sigma^2)$.
# For a general truth the factor is $\|a^*\|^2 + 2\varepsilon^2 + \sigma^2$:
#
# $$
# \begin{aligned}
# \nabla\MMD = {} & -2\left|\tfrac{2}{\sigma^2}(aa^\top + \varepsilon^2 I) + I\right|^{-3/2}\sigma^{-2d} c^{d-1} a \\
# & + 2\left|\tfrac{1}{\sigma^2}(aa^\top + a^*a^{*\top} + 2\varepsilon^2 I) + I\right|^{-3/2} \\
# & \quad \cdot \sigma^{-2d} (\|a^*\|^2 + c)\,c^{d-1}(a^*a^{*\top} + cI)^{-1} a .
# \end{aligned}
# $$
#
# With $\|a^*\|^2 = 3.14$ the printed version's largest error is {glue:text}`thm2_lemma5_printed_error:.2f`
# times the gradient's largest entry; with $\|a^*\| = 1$ it agrees to rounding error.
# ```

# %% [markdown]
# ## The Hessian: Lemma 6
#
# Lemma 6 writes its determinants without the $1/\sigma^2$ factors, as $|2aa^\top + cI|$ and
# $|aa^\top + a^*a^{*\top} + cI|$, and puts $2\sigma^{-d}$ in front. Pulling $\sigma^{-2}$ out of a
# $d \times d$ determinant raised to the power $-3/2$ leaves the factor $\sigma^{3d}$, which together with
# Lemma 5's $\sigma^{-2d}$ gives the prefactor $2\sigma^{d}$. The printed Hessian is therefore too small by
# the factor $\sigma^{2d}$, besides inheriting the $(1 + c)$ of Lemma 5.

# %%
hessian_reference = autograd_hessians(A_STAR, EPS, SIGMA2, at)
hessian_reference_unit = autograd_hessians(unit_star, EPS, SIGMA2, at)
hessian_scale = float(hessian_reference.abs().max())
d = A_STAR.shape[0]

ours_h = float((r1.rank_one_hessian(at, A_STAR, EPS, SIGMA2) - hessian_reference).abs().max()) / hessian_scale
printed_unit_h = r1.lemma6_hessian_as_printed(at, unit_star, EPS, SIGMA2)
ratio = printed_unit_h / hessian_reference_unit
print(f"relative max error, corrected Hessian: {ours_h:.1e}")
print(f"printed / true Hessian for |a*| = 1: between {float(ratio.min()):.4f} and {float(ratio.max()):.4f}")
print(f"sigma^(-2d) = {SIGMA2 ** -d:.4f}")
glue("thm2_lemma6_ratio", float(ratio.mean()), display=False)

# %%
assert ours_h < 1e-12
torch.testing.assert_close(printed_unit_h * SIGMA2**d, hessian_reference_unit)
assert abs(float(ratio.mean()) - 1.0) > 0.5, "the printed Lemma 6 should be off for sigma2 != 1"

# %% [markdown]
# ```{warning}
# **Lemma 6 has the wrong constant.** The printed prefactor $2\sigma^{-d}c^{d-1}$ (in both terms) should be
# $2\sigma^{d}c^{d-1}$, and $(1 + c)$ should be $(\|a^*\|^2 + c)$ in both places where it appears. For
# $\|a^*\| = 1$, $\sigma^2 = 2.5$ and $d = 3$ the printed Hessian is the true one times
# {glue:text}`thm2_lemma6_ratio:.4f` $= \sigma^{-2d}$. The sign structure, and hence every conclusion
# drawn from it in the paper, is unaffected, because the error is a positive factor.
# ```

# %% [markdown]
# ## The stationary set
#
# The gradient is $\frac{2K}{c^2}\left[D^{-3/2}M - c\,p^{-3/2}I\right]a$, so a non-zero stationary $a$ is an
# eigenvector of $M = (c + B)I - a^*a^{*\top}$:
#
# - **Along $a^*$** ($a = ta^*$, eigenvalue $c$): $D = 1 + (t^2 + 1)B/c$ and $p = 1 + 2t^2B/c$, so the
#   condition $p = D$ gives $t^2 = 1$. These are the global minima, where the loss is 0.
# - **Orthogonal to $a^*$** (eigenvalue $c + B$, needs $d \ge 2$): with $r = \|a\|^2$ the condition
#   $c\,p^{-3/2} = (c + B) D^{-3/2}$ becomes $(c + r)^3(c + B) = c(c + 2r)^3$. Taking cube roots,
#   $r\left(2c^{1/3} - (c + B)^{1/3}\right) = c\left((c + B)^{1/3} - c^{1/3}\right)$, which is eq. (8).
#   The right side is positive, so **a root $r > 0$ exists exactly when $\|a^*\|^2 < 7c = 7(2\varepsilon^2 + \sigma^2)$**.
#   As $B \uparrow 7c$ the ring's radius grows without bound.

# %%
big_b = float(A_STAR.pow(2).sum())
stationary = r1.rank_one_stationary_set(A_STAR, EPS, SIGMA2)
candidates = torch.cat([stationary.maximum[None], stationary.minima, stationary.saddles])
gradient_there = float(r1.rank_one_gradient(candidates, A_STAR, EPS, SIGMA2).norm(dim=-1).max())
c = 2 * EPS**2 + SIGMA2
eq8 = c * ((big_b + c) ** (1 / 3) - c ** (1 / 3)) / (2 * c ** (1 / 3) - (big_b + c) ** (1 / 3))
print(f"B = {big_b:.3f}, 7c = {7 * c:.3f}: ring exists = {r1.saddle_ring_exists(big_b, EPS, SIGMA2)}")
print(f"ring radius^2 r = {stationary.saddle_radius2:.4f} (eq. 8 gives {eq8:.4f})")
print(f"largest gradient norm at the {len(candidates)} predicted points: {gradient_there:.1e}")
assert gradient_there < 1e-14
assert abs(stationary.saddle_radius2 - eq8) < 1e-12
glue("thm2_saddle_radius2", stationary.saddle_radius2, display=False)

# %% [markdown]
# An independent search with `find_stationary_points` (Newton and Levenberg-Marquardt runs from a
# grid of starts in $d = 2$) must find exactly these points, on both sides of the threshold $7c$.

# %%
def search_2d(a_star, eps, sigma2, half_width=4.0, n_grid=15):
    ticks = torch.linspace(-half_width, half_width, n_grid, dtype=F64)
    starts = torch.cartesian_prod(ticks, ticks)
    loss = lambda a: gaussian_rank_one(a, a_star, eps, sigma2)  # noqa: E731
    return loss, find_stationary_points(loss, starts, batched=True, max_norm=6 * half_width, eig_tol=1e-8)


EPS_2D, SIGMA2_2D = 0.2, 1.0
C_2D = 2 * EPS_2D**2 + SIGMA2_2D
STARS_2D = {"ring": torch.tensor([1.5, 0.0], dtype=F64), "no ring": torch.tensor([3.0, 0.0], dtype=F64)}
searches = {name: search_2d(star, EPS_2D, SIGMA2_2D) for name, star in STARS_2D.items()}

# %%
for name, (loss, found) in searches.items():
    star = STARS_2D[name]
    b2 = float(star.pow(2).sum())
    expected = r1.rank_one_stationary_set(star, EPS_2D, SIGMA2_2D)
    counts = count_kinds(found)
    print(f"|a*|^2 = {b2:.2f} ({b2 / C_2D:.2f} c): {counts}")
    predicted = torch.cat([expected.maximum[None], expected.minima, expected.saddles])
    assert len(found) == len(predicted)
    for point in found:
        assert float((predicted - point.x).norm(dim=-1).min()) < 1e-6
    assert counts["strict saddle"] == (2 if b2 < 7 * C_2D else 0) and counts["maximum"] == 1
glue("thm2_ring_threshold", 7, display=False)

# %% [markdown]
# ```{warning}
# **The ring of saddles exists only when $\|a^*\|^2 < 7(2\varepsilon^2 + \sigma^2)$.** Eq. (8) is the right
# radius, but the theorem's "(if the radius exists)" leaves the condition open. For
# $\|a^*\|^2 \ge 7(2\varepsilon^2 + \sigma^2)$ the denominator of eq. (8) is zero or negative, there is no
# ring, and the only stationary points are $0$ and $\pm a^*$ (in $d = 1$ there is never a ring).
# ```

# %% [markdown]
# ## Negative curvature at the saddles
#
# At a ring point, $a^{*\top} M a = 0$ and $a^{*\top} M a^* = cB$, so the curvature along $a^*$ is
# $a^{*\top} \nabla^2 \MMD\, a^* / B = \frac{2K}{c}\left[D^{-3/2} - p^{-3/2}\right]$. Stationarity gives
# $D = p^3/(1 + r/c)^2 > p$, so this is negative; eq. (25) of the appendix is the same expression
# for $B = 1$. The Hessian also has a positive radial eigenvalue, so each ring point is a strict saddle.

# %%
saddle = stationary.saddles[0]
hessian = r1.rank_one_hessian(saddle, A_STAR, EPS, SIGMA2)
eigenvalues = torch.linalg.eigvalsh(hessian)
p_ring, d_ring, _, _ = r1._gram_terms(saddle, A_STAR, c)
predicted_curvature = 2 * (SIGMA2 / c) ** 1.5 / c * (d_ring.pow(-1.5) - p_ring.pow(-1.5))
along_star = float(A_STAR @ hessian @ A_STAR) / big_b
print(f"Hessian eigenvalues at a ring point: {[round(float(v), 5) for v in eigenvalues]}")
print(f"curvature along a*: {along_star:.5f} (formula: {float(predicted_curvature):.5f})")
assert abs(along_star - float(predicted_curvature)) < 1e-12
assert along_star < 0
assert float(eigenvalues[-1]) > 0
glue("thm2_saddle_curvature", along_star, display=False)

# %% [markdown]
# Appendix A.1 writes this Hessian at a ring point for $a^* = e_1$, up to a positive factor (eq. 24), and
# reduces $a^{*\top} H a^*$ to an expression in $c$ alone whose sign it shows to be negative (eq. 25). Both
# steps check out: eq. (24) is a positive multiple of the true Hessian, and the final expression of
# eq. (25) is negative wherever the ring exists (for $\|a^*\| = 1$, $c > 1/7$).

# %%
def eq24(a, c):
    r, e1 = float(a @ a), torch.eye(a.shape[0], dtype=F64)[0]
    first = (2 * r + c) ** -1.5 * c**-1.5 * (6 / (2 * r + c) * torch.outer(a, a) - torch.eye(a.shape[0], dtype=F64))
    inverse = torch.linalg.inv(torch.outer(e1, e1) + c * torch.eye(a.shape[0], dtype=F64))
    return first + (r + c) ** -1.5 * (1 + c) ** -0.5 * (inverse - 3 / c / (r + c) * torch.outer(a, a))


def eq25_final(c):
    return ((c * (1 + c) ** 3) ** -0.5 - ((1 + c) * c**3) ** -0.5) / (2 * c ** (1 / 3) - (1 + c) ** (1 / 3)) ** -1.5

# %%
e1_star = torch.tensor([1.0, 0.0, 0.0], dtype=F64)
for c_value in [0.2, 1.0, 2.68, 6.0]:
    ring_point = r1.rank_one_stationary_set(e1_star, 0.0, c_value).saddles[0]
    true_hessian = r1.rank_one_hessian(ring_point, e1_star, 0.0, c_value)
    factor = true_hessian[0, 0] / eq24(ring_point, c_value)[0, 0]
    gap = float((factor * eq24(ring_point, c_value) - true_hessian).abs().max())
    print(f"c = {c_value:4.2f}: H = {float(factor):.4f} x eq. 24 (gap {gap:.1e}); eq. 25 final = {eq25_final(c_value):.4f}")
    assert float(factor) > 0
    assert gap < 1e-14
    assert eq25_final(c_value) < 0

# %% [markdown]
# ## Is $a = 0$ a global maximum?
#
# At $a = 0$, $p = 1$ and $D = 1 + B/c$, so the Hessian is $\frac{2K}{c^2}\left[(1 + B/c)^{-3/2}M - cI\right]$,
# whose eigenvalues $\frac{2K}{c}\left[(1 + B/c)^{-3/2} - 1\right]$ (along $a^*$) and
# $\frac{2K}{c}\left[(1 + B/c)^{-1/2} - 1\right]$ (orthogonal) are negative for every $B > 0$: **$a = 0$ is
# always a strict local maximum**. But as $\|a\| \to \infty$ in any direction, $p, D \to \infty$ and
# the loss tends to $K(1 + 2B/c)^{-1/2}$, while $\MMD(0) - K(1 + 2B/c)^{-1/2} = K\left[1 - 2(1 + B/c)^{-1/2}\right]$.
# That difference is negative when $B < 3c$.

# %%
ratios = torch.tensor([0.5, 1.0, 2.0, 2.9, 3.1, 5.0, 10.0], dtype=F64)
for ratio_b in ratios.tolist():
    star = torch.tensor([math.sqrt(ratio_b * C_2D), 0.0], dtype=F64)
    at_zero = float(r1.rank_one_loss(torch.zeros(2, dtype=F64), star, EPS_2D, SIGMA2_2D))
    far_away = float(r1.rank_one_loss(torch.tensor([0.0, 1e4], dtype=F64), star, EPS_2D, SIGMA2_2D))
    hessian_zero = r1.rank_one_hessian(torch.zeros(2, dtype=F64), star, EPS_2D, SIGMA2_2D)
    top = float(torch.linalg.eigvalsh(hessian_zero)[-1])
    is_global = r1.zero_is_global_maximum(ratio_b * C_2D, EPS_2D, SIGMA2_2D)
    print(f"B/c = {ratio_b:4.1f}: MMD(0) = {at_zero:.4f}, MMD far away = {far_away:.4f}, "
          f"top Hessian eigenvalue at 0 = {top:.4f}, global max: {is_global}")
    assert top < 0
    assert (at_zero >= far_away) == is_global
glue("thm2_global_max_threshold", 3, display=False)

# %% [markdown]
# ```{warning}
# **$a = 0$ is a global maximum only when $\|a^*\|^2 \ge 3(2\varepsilon^2 + \sigma^2)$.** The theorem says
# "a maximum in $a = 0$" and the proof says it is "clearly a maxima". It is always a strict local
# maximum, but for $\|a^*\|^2 < 3(2\varepsilon^2 + \sigma^2)$ the loss far from the origin exceeds
# $\MMD(0)$ and the supremum is approached only as $\|a\| \to \infty$ (it is not attained). This does
# not affect the benign-landscape conclusion.
# ```

# %% [markdown]
# ## Lemma 7: the Hessian is bounded
#
# Lemma 7 claims $\|\nabla^2\MMD(a)\|_2$ is bounded over all $a$, so the gradient is Lipschitz. From the
# closed form, using $p \ge 1$, $D \ge 1 + (\|a\|^2 + B)/c$, $\|(a^*a^{*\top} + cI)^{-1}\| = 1/c$ and
# $|6r/(c + 2r) - 1| \le 2$, one gets the explicit constant
#
# $$
# \|\nabla^2\MMD(a)\|_2 \le \frac{2K}{c}\left[3 + 3\sqrt{1 + B/c}\right].
# $$
#
# Below, the largest spectral norm over points spread from $\|a\| = 10^{-2}$ to $10^{2}$ stays under it.

# %%
generator = torch.Generator().manual_seed(SEED + 1)
directions = torch.randn(4000, 3, generator=generator, dtype=F64)
radii = torch.logspace(-2, 2, 4000, dtype=F64)
cloud = directions / directions.norm(dim=-1, keepdim=True) * radii[:, None]
cloud = torch.cat([cloud, stationary.saddles, stationary.minima])
spectral = torch.linalg.matrix_norm(r1.rank_one_hessian(cloud, A_STAR, EPS, SIGMA2), ord=2)
bound = r1.hessian_norm_bound(big_b, EPS, SIGMA2, d=3)
print(f"largest ||Hessian||_2 over {len(cloud)} points: {float(spectral.max()):.4f}; bound {bound:.4f}")
print(f"at |a| = 100 the norm is {float(spectral[3999]):.2e}")
assert float(spectral.max()) <= bound
glue("thm2_hessian_sup", float(spectral.max()), display=False)
glue("thm2_hessian_bound", bound, display=False)

# %% [markdown]
# The lemma holds. Its proof bounds the terms direction by direction with several "W.L.O.G." steps;
# the closed form above gives a shorter route and an explicit constant.

# %% [markdown]
# ## Gradient descent from random starts
#
# With a Lipschitz gradient and only strict saddles, gradient descent from a random start almost surely
# avoids the saddles {cite}`lee2016gradient`, which is how {cite}`alon2021landscape` conclude. A direct
# check: plain gradient descent with step $1/L$, $L$ the bound above, from 300 random starts in $d = 3$.

# %%
generator = torch.Generator().manual_seed(SEED + 2)
starts = torch.randn(300, 3, generator=generator, dtype=F64) * 1.5
ends, end_gradients = find_local_minima(lambda a: r1.rank_one_loss(a, A_STAR, EPS, SIGMA2), starts,
                                        step=1 / bound, max_iter=4000, tol=1e-8, batched=True)
to_truth = torch.minimum((ends - A_STAR).norm(dim=-1), (ends + A_STAR).norm(dim=-1))
reached = int((to_truth < 1e-6).sum())
print(f"{reached} of {len(starts)} runs end within 1e-6 of +a* or -a*; "
      f"largest final gradient norm {float(end_gradients.max()):.1e}")
assert reached == len(starts)
glue("thm2_descent_success", reached / len(starts), display=False)

# %% [markdown]
# ## Figure 2 of the paper
#
# Figure 2 plots the loss over $\R$ ($d = 1$) for $a^* = 1$ and several widths. The paper does not state
# $\varepsilon$; we use $\varepsilon = 0$, the singular case the theorem also covers. In $d = 1$ there is
# no ring, so the stationary points are $0$ and $\pm 1$. The footnote's vanishing gradient for
# $\sigma^2 = 0.1$ shows as the flattest tail: at $a = 5$ its slope is the smallest of the three.

# %%
a_line = torch.linspace(-5, 5, 801, dtype=F64)[:, None]
WIDTHS = [0.1, 1.0, 10.0]
curves = {s2: r1.rank_one_loss(a_line, torch.tensor([1.0], dtype=F64), 0.0, s2) for s2 in WIDTHS}
for s2, curve in curves.items():
    minimum_at = float(a_line[curve.argmin(), 0])
    print(f"sigma2 = {s2:5.1f}: loss at 0 = {float(curve[400]):.4f}, argmin a = {minimum_at:+.3f}, "
          f"slope at a = 5: {float(r1.rank_one_gradient(a_line[-1:], torch.tensor([1.0], dtype=F64), 0.0, s2)):.2e}")
    assert abs(abs(minimum_at) - 1.0) < 0.02
slopes = [float(r1.rank_one_gradient(a_line[-1:], torch.tensor([1.0], dtype=F64), 0.0, s2)) for s2 in WIDTHS]
assert slopes[0] < slopes[1] < slopes[2]

# %% [markdown]
# {numref}`fig-thm2-figure2` redraws the paper's Figure 2.

# %% mystnb={"figure": {"caption": "Figure 2 of the paper redrawn: the Theorem 2 loss in one dimension with $a^* = 1$ and $\\varepsilon = 0$.", "name": "fig-thm2-figure2"}}
fig, ax = plt.subplots(figsize=(6, 3.6))
for s2, curve in curves.items():
    ax.plot(a_line[:, 0], curve, label=rf"$\sigma^2 = {s2:g}$")
ax.axvline(1.0, color="black", linestyle=":", linewidth=1, label=r"$\pm a^*$")
ax.axvline(-1.0, color="black", linestyle=":", linewidth=1)
ax.set_xlabel(r"$a$")
ax.set_ylabel(r"$\mathrm{MMD}^2(a^*, a)$")
ax.set_title(r"Figure 2 redrawn: $d = 1$, $a^* = 1$, $\varepsilon = 0$")
ax.legend()
plt.show()

# %% [markdown]
# ## The landscape in two dimensions
#
# Both panels use $\varepsilon = 0.2$ and $\sigma^2 = 1$ ($c = 1.08$). On the left $\|a^*\|^2 = 2.25 < 3c$:
# the ring (two points in $d = 2$) exists and the origin is only a local maximum. On the right
# $\|a^*\|^2 = 9 > 7c$: no ring, and the origin is the global maximum. Every marker is a point found
# by the numerical search, drawn by kind.

# %% [markdown]
# {numref}`fig-thm2-landscape` marks every stationary point the search found.

# %% mystnb={"figure": {"caption": "Theorem 2 landscapes in two dimensions with every stationary point found numerically, marked by kind: with the ring of saddles (left) and without it (right).", "name": "fig-thm2-landscape"}}
fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
for ax, (name, (loss, found)) in zip(axes, searches.items()):
    star = STARS_2D[name]
    contours = plot_landscape_2d(ax, loss, (-4, 4), (-4, 4), found, truth=star)
    fig.colorbar(contours, ax=ax, label=r"$\mathrm{MMD}^2$")
    ax.set_title(rf"$\|a^*\|^2 = {float(star.pow(2).sum()):.2f}$, $7c = {7 * C_2D:.2f}$")
    ax.set_xlabel(r"$a_1$")
    ax.set_ylabel(r"$a_2$")
    ax.legend(loc="lower left", fontsize=8)
fig.suptitle(r"Theorem 2 landscape, $\varepsilon = 0.2$, $\sigma^2 = 1$")
plt.show()

# %% [markdown]
# ## Summary
#
# - The loss, gradient and Hessian follow from Lemma 4 and the $2 \times 2$ Gram determinant; the
#   library's forms match autograd to rounding error for $\|a^*\| \ne 1$ and $\sigma^2 \ne 1$.
# - Lemma 5 is right only for $\|a^*\| = 1$; Lemma 6 is off by the positive factor $\sigma^{-2d}$ (and the
#   same $\|a^*\| = 1$ assumption). Neither error changes a sign.
# - The stationary set is $\{0, \pm a^*\}$ plus the ring of eq. (8), which exists exactly when
#   $\|a^*\|^2 < 7(2\varepsilon^2 + \sigma^2)$; the ring points are strict saddles with negative curvature
#   along $a^*$.
# - $a = 0$ is always a strict local maximum, and a global one only when $\|a^*\|^2 \ge 3(2\varepsilon^2 + \sigma^2)$.
# - The Hessian is bounded (Lemma 7) by the explicit constant $\frac{2K}{c}\left[3 + 3\sqrt{1 + B/c}\right]$.
