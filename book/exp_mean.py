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
# # Experiment: learning an unknown mean
#
# Section 4.1 of {cite}`alon2021landscape` fits the mean of a Gaussian with known covariance (its
# Figure 4) and the common mean $\pm\mu$ of a symmetric two-component mixture (its Figure 5) with four
# methods: MMD with sampled model points, one-sided MMD (OSMMD, the model side in closed form), maximum
# likelihood (MLE) and a Wasserstein GAN. A repeat succeeds when $\|\mu - \mu^*\| / d < 0.02$; for the
# mixture the sign of $\mu$ does not matter. The paper makes three claims about these figures:
#
# 1. MLE recovers the mean;
# 2. MMD does clearly better than WGAN;
# 3. OSMMD and MLE coincide.
#
# This chapter lists every setting, runs all four methods at a small scale, draws the paper-scale
# results when they are stored, and checks each claim with numbers.

# %%
try:
    import google.colab  # noqa: F401
    IN_COLAB = True
except ImportError:
    IN_COLAB = False
if IN_COLAB:
    # %pip install -q "mmdlib @ git+https://github.com/mmd-landscape/mmd-landscape@main"

# %%
import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

from mmdlib.experiments.live import collect, format_records, load_or_fallback, run_method
from mmdlib.experiments.scales import get_spec
from mmdlib.experiments.tables import hyperparameter_markdown, open_choices_markdown, settings_markdown
from mmdlib.experiments.verdicts import compare_rates, rate_curve, sample_mean_success_probability, verdict_line
from mmdlib.plotting import plot_success_rates

try:
    from myst_nb import glue
except ImportError:
    def glue(*args, **kwargs):
        pass

torch.set_num_threads(1)
SEED = 0

# %% [markdown]
# ## Settings
#
# The tables are generated from `mmdlib.experiments.scales`, the single definition that the command line
# and this page share. The paper scale follows the paper's appendix Tables 2 and 3 where they give a
# value; the CI scale is the book's reduced version that runs on this page. The last column tells
# whether a paper-scale value is the paper's or the book's choice.
#
# **One Gaussian** (Figure 4, Table 2):

# %%
display(Markdown(settings_markdown("mean")))
display(Markdown(hyperparameter_markdown("mean")))

# %% [markdown]
# **Symmetric mixture** (Figure 5, Table 3):

# %%
display(Markdown(settings_markdown("mixture_mean")))
display(Markdown(hyperparameter_markdown("mixture_mean")))

# %% [markdown]
# The choices the paper leaves open, as the book fills them in (for the mixture, only the ones that differ
# from the single Gaussian):

# %%
display(Markdown(open_choices_markdown("mean")))
display(Markdown(open_choices_markdown("mixture_mean", skip_same_as="mean")))

# %% [markdown]
# ## A run at the CI scale: one Gaussian
#
# Each call trains one method at every value of $m$, all repeats of a value in one batch, and prints
# the success count with its Wilson 95% interval. The truth, the data and the starting point of a
# repeat are the same for all four methods.
#
# **MMD** samples $n = m$ model points per step. Look for successes only at the largest $m$: the
# error $\|\mu - \mu^*\|$ of any estimator from $m$ points is about $\sqrt{d/m}$, and the threshold
# requires $0.02\,d$.

# %%
ci_mean = get_spec("mean", "ci")
mean_mmd = run_method(ci_mean, "MMD", base_seed=SEED)
print(format_records(mean_mmd))

# %% [markdown]
# **OSMMD** replaces the model samples by their closed-form expectation. Look for counts at least as
# high as MMD's, since the sampling noise of the model side is gone.

# %%
mean_osmmd = run_method(ci_mean, "OSMMD", base_seed=SEED)
print(format_records(mean_osmmd))

# %% [markdown]
# **MLE** maximises the Gaussian log-likelihood, whose optimum is the sample mean. Look for the same
# counts as OSMMD (claim 3).

# %%
mean_mle = run_method(ci_mean, "MLE", base_seed=SEED)
print(format_records(mean_mle))

# %% [markdown]
# **WGAN** trains a linear critic against the generator. Look for fewer successes than MMD (claim 2).

# %%
mean_wgan = run_method(ci_mean, "WGAN", base_seed=SEED)
print(format_records(mean_wgan))

# %% [markdown]
# ## A run at the CI scale: symmetric mixture
#
# The model is $\tfrac12 \mathcal{N}(\mu, I) + \tfrac12 \mathcal{N}(-\mu, I)$. **MMD**: look for
# no more successes than for one Gaussian at the same $m$, because the component of each point is
# unknown, which can only add error.

# %%
ci_mixture = get_spec("mixture_mean", "ci")
mixture_mmd = run_method(ci_mixture, "MMD", base_seed=SEED)
print(format_records(mixture_mmd))

# %% [markdown]
# **OSMMD**: look for counts close to MLE's below.

# %%
mixture_osmmd = run_method(ci_mixture, "OSMMD", base_seed=SEED)
print(format_records(mixture_osmmd))

# %% [markdown]
# **MLE** now has a non-convex likelihood with two symmetric optima. Look for successes at the
# largest $m$ all the same.

# %%
mixture_mle = run_method(ci_mixture, "MLE", base_seed=SEED)
print(format_records(mixture_mle))

# %% [markdown]
# **WGAN** with a two-layer ReLU critic: look for the lowest counts of the four.

# %%
mixture_wgan = run_method(ci_mixture, "WGAN", base_seed=SEED)
print(format_records(mixture_wgan))

# %% [markdown]
# ## Results
#
# The figure draws the paper-scale results from `book/results/` when that file exists, checked field by
# field by `mmdlib.experiments.results.load`; otherwise it draws the CI run above, as the printed lines tell.

# %%
live_mean = collect(ci_mean, [mean_mmd, mean_osmmd, mean_mle, mean_wgan], base_seed=SEED)
live_mixture = collect(ci_mixture, [mixture_mmd, mixture_osmmd, mixture_mle, mixture_wgan], base_seed=SEED)
shown_mean, message_mean = load_or_fallback("results/mean.json", live_mean)
shown_mixture, message_mixture = load_or_fallback("results/mixture_mean.json", live_mixture)
print(message_mean)
print(message_mixture)

# %% [markdown]
# For one Gaussian the MLE is the sample mean, whose success probability is exact: $m\|\bar y - \mu^*\|^2$
# follows a $\chi^2_d$ law, so the rate is $P(\chi^2_d \le m (0.02\, d)^2)$. The dashed curve in the
# left panel draws it; no method can beat it by more than chance.

# %%
spec_mean = shown_mean["spec"]
grid_m = [2 ** k for k in range(3, 11)]
exact_rate = [sample_mean_success_probability(m, spec_mean["d"], spec_mean["threshold"]) for m in grid_m]
print("exact success probability of the sample mean:",
      ", ".join(f"m={m}: {p:.3f}" for m, p in zip(grid_m, exact_rate)))

# %% [markdown]
# {numref}`fig-exp-mean` is the book's version of Figures 4 and 5.

# %% mystnb={"figure": {"caption": "Success rate against $m$ with Wilson 95% intervals for MMD, OSMMD, MLE and WGAN: one Gaussian (the paper's Figure 4, left) and the symmetric mixture (Figure 5, right).", "name": "fig-exp-mean"}}
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
plot_success_rates(axes[0], shown_mean, "m", title=f"One Gaussian, unknown mean ({shown_mean['scale']} scale)")
axes[0].plot(grid_m, exact_rate, color="black", linestyle="--", linewidth=1, label="sample mean (exact)")
axes[0].legend(fontsize="small")
plot_success_rates(axes[1], shown_mixture, "m",
                   title=f"Symmetric mixture, unknown mean ({shown_mixture['scale']} scale)")
fig.suptitle("Success rate against m (the paper's Figures 4 and 5)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Verdict
#
# Two methods *coincide* when their Wilson 95% intervals overlap at every $m$; one *beats* the other
# when it is above with disjoint intervals at some $m$, never below with disjoint intervals, and above
# over all $m$ pooled. MLE *recovers* the mean when, at every $m$, the upper end of its interval reaches
# the exact success probability of the sample mean: it is not detectably worse than the data allow. For the mixture the same
# probability is the benchmark of an oracle that is told each point's component. With the components
# about $2\|\mu^*\| \approx 2\sqrt{d}$ apart, a good estimator comes close to it.

# %%
def mean_verdicts(data: dict, name: str) -> dict:
    """Compute the three claims of section 4.1 for one results dict and print one line per claim."""
    coincide = compare_rates(data, "OSMMD", "MLE")
    beats = compare_rates(data, "MMD", "WGAN")
    mle = rate_curve(data, "MLE")
    d, threshold = data["spec"]["d"], data["spec"]["threshold"]
    exact = [sample_mean_success_probability(int(m), d, threshold) for m in mle.x]
    reached = sum(p <= high for p, high in zip(exact, mle.high))
    print(verdict_line(f"{name}: MLE recovers the mean", reached == len(exact),
                       f"rate {mle.rates[-1]:.3f} at m = {mle.x[-1]:.0f}, sample-mean probability "
                       f"{exact[-1]:.3f}; not below it at {reached} of {len(exact)} values of m",
                       data["scale"]))
    print(verdict_line(f"{name}: OSMMD and MLE coincide", coincide.coincide,
                       f"max |rate difference| {coincide.max_abs_difference:.3f}; intervals overlap at "
                       f"{coincide.overlapping} of {len(coincide.settings)} values of m", data["scale"]))
    print(verdict_line(f"{name}: MMD beats WGAN", beats.first_better,
                       f"pooled rates {beats.pooled_first:.3f} vs {beats.pooled_second:.3f}; MMD above with "
                       f"disjoint intervals at {len(beats.first_higher)}, below at {len(beats.second_higher)}",
                       data["scale"]))
    return {"mle_rate": mle.rates[-1], "mle_exact": exact[-1], "coincide": coincide, "beats": beats}


verdict_mean = mean_verdicts(shown_mean, "one Gaussian")
verdict_mixture = mean_verdicts(shown_mixture, "mixture")

# %%
for key, verdict, data in (("gaussian", verdict_mean, shown_mean), ("mixture", verdict_mixture, shown_mixture)):
    assert len(verdict["coincide"].settings) == len(data["spec"]["settings"]), "a value of m has no repeat"
    glue(f"exp_mean_{key}_scale", data["scale"], display=False)
    glue(f"exp_mean_{key}_mle_rate", round(verdict["mle_rate"], 3), display=False)
    glue(f"exp_mean_{key}_sample_mean_probability", round(verdict["mle_exact"], 3), display=False)
    glue(f"exp_mean_{key}_osmmd_mle_max_diff", round(verdict["coincide"].max_abs_difference, 3), display=False)
    glue(f"exp_mean_{key}_osmmd_mle_coincide", "holds" if verdict["coincide"].coincide else "does not hold",
         display=False)
    glue(f"exp_mean_{key}_mmd_pooled", round(verdict["beats"].pooled_first, 3), display=False)
    glue(f"exp_mean_{key}_wgan_pooled", round(verdict["beats"].pooled_second, 3), display=False)
    glue(f"exp_mean_{key}_mmd_beats_wgan", "holds" if verdict["beats"].first_better else "does not hold",
         display=False)

# %% [markdown]
# In words, at the {glue:text}`exp_mean_gaussian_scale` scale for one Gaussian: MLE succeeds at the
# largest $m$ at the rate {glue:text}`exp_mean_gaussian_mle_rate:.3f`, where the exact sample mean
# succeeds with probability {glue:text}`exp_mean_gaussian_sample_mean_probability:.3f`. The claim that
# OSMMD and MLE coincide {glue:text}`exp_mean_gaussian_osmmd_mle_coincide` (largest gap in success rate
# {glue:text}`exp_mean_gaussian_osmmd_mle_max_diff:.3f`), and the claim that MMD beats WGAN
# {glue:text}`exp_mean_gaussian_mmd_beats_wgan` (pooled success rates
# {glue:text}`exp_mean_gaussian_mmd_pooled:.3f` against {glue:text}`exp_mean_gaussian_wgan_pooled:.3f`).
# For the mixture, at the {glue:text}`exp_mean_mixture_scale` scale, the first claim
# {glue:text}`exp_mean_mixture_osmmd_mle_coincide` and the second
# {glue:text}`exp_mean_mixture_mmd_beats_wgan`.
#
# For one Gaussian, OSMMD and MLE can only coincide approximately. MLE's optimum is the sample mean, while
# OSMMD's optimum is a kernel-weighted mean of the same points, which is close to it when the kernel
# variance is large against the spread of the data. With $\sigma^2 = 10$ and unit-variance data the two estimates differ
# a little, so rates that agree within their intervals are what "coincide" can mean here.
#
# ```{admonition} Deviation from the paper
# :class: warning
#
# - **Repeats.** The paper uses 100 to 1000 repeats per point (Tables 2 and 3). This page runs the CI
#   scale of the settings table; the stored paper-scale file may also cap the repeats (its
#   `repeats_cap` field, set by `tools/run_paper_scale.sh --repeats`), which widens the intervals
#   but does not bias the rates.
# - **Dimension and values of m.** The paper states neither; the book uses d = 10 (the only
#   dimension the paper names, in section 4.3) and powers of two for m.
# - **Truth and starting point.** Both are drawn from a standard normal per repeat, which the paper
#   does not specify; all methods of a repeat share them.
# - **Kernel variance.** Footnote 3 of the paper says the width is chosen by hold-out over powers of
#   ten, but Tables 2 and 3 give one value per method; the book uses the table's value, read as
#   $\sigma^2$.
# - **WGAN.** The critic is trained with the gradient penalty of {cite}`gulrajani2017improved`
#   (5 critic steps per generator step, weight 10, Adam betas (0.5, 0.9)); the paper names none of
#   these.
# - **Success.** Section 4.1 asks for a strict $<$; the book uses $\le$, which differs only on a set
#   of probability zero.
# ```
