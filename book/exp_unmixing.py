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
# # Experiment: linear unmixing
#
# Section 4.3 of {cite}`alon2021landscape` ends the experiments with a model whose likelihood has no
# closed form: each observation is $x_i = A b_i + w_i$ with an unknown $d \times r$ matrix $A$, abundances
# $b_i \sim \mathrm{Dirichlet}(1_r)$ on the simplex and noise $w_i \sim \mathcal{N}(0, \sigma_w^2 I)$ (eq. 22).
# MMD and WGAN both start from vertex component analysis (VCA, {cite}`nascimento2005vca`) and are scored by
#
# $$
# d(A, A^*) = \min_{\pi} \sum_i \|a_i - a^*_{\pi(i)}\|^2 ,
# $$
#
# the squared column distance after the best matching of columns (eq. 23); lower is better. The paper
# reports the mean and standard deviation of $d$ over 50 trials in its Table 1, and the whole grid of
# twelve set-ups (six per method) in its appendix Table 8. It claims a clear advantage of MMD over WGAN.
#
# This chapter runs four of the twelve set-ups at a small scale, compares them with both tables and with
# the VCA starting point, and checks the claim and the two tables against each other.

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

from mmdlib.experiments import EXPERIMENTS
from mmdlib.experiments.live import collect, format_records, load_or_fallback, run_method
from mmdlib.experiments.scales import get_spec
from mmdlib.experiments.tables import (
    error_table_markdown,
    hyperparameter_markdown,
    open_choices_markdown,
    settings_markdown,
    table1_markdown,
)
from mmdlib.experiments.verdicts import (
    PAPER_TABLE_1,
    PAPER_TABLE_8,
    best_in_paper_table,
    best_of_kind,
    initial_errors,
    mean_difference_z,
    summarize,
    table1_in_table8,
    verdict_line,
)
from mmdlib.plotting import plot_error_summary, plot_success_rates

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
# Generated from `mmdlib.experiments.scales`. The twelve set-ups are those of the paper's Table 7; the CI
# scale runs four of them, with fewer repeats and iterations.

# %%
display(Markdown(settings_markdown("unmixing")))
display(Markdown(hyperparameter_markdown("unmixing")))

# %% [markdown]
# The choices the paper leaves open:

# %%
display(Markdown(open_choices_markdown("unmixing")))

# %% [markdown]
# ## A run at the CI scale
#
# Each call trains one set-up at the three noise variances, all repeats in one batch, starting from VCA.
# The success line counts repeats with $d(A, A^*) \le 1$, the book's threshold; the table further down
# gives the mean errors that the paper reports.
#
# **MMD 2** (learning rate $10^{-2}$, $\sigma^2 = 10^{-1}$). Look for nearly every repeat succeeding
# at the lowest noise and few at the highest, where the noise swamps the simplex.

# %%
ci = get_spec("unmixing", "ci")
mmd_2 = run_method(ci, "MMD 2", base_seed=SEED)
print(format_records(mmd_2))

# %% [markdown]
# **MMD 5** (learning rate $10^{-1}$, same $\sigma^2$). Look for a similar pattern: in Table 8 this
# set-up is close to MMD 2 except at the highest noise, where it diverges.

# %%
mmd_5 = run_method(ci, "MMD 5", base_seed=SEED)
print(format_records(mmd_5))

# %% [markdown]
# **WGAN 2** (learning rate $10^{-2}$, critic with two linear maps). Look for counts no better than
# MMD's at the two lower noise levels if the paper's claim holds.

# %%
wgan_2 = run_method(ci, "WGAN 2", base_seed=SEED)
print(format_records(wgan_2))

# %% [markdown]
# **WGAN 5** (learning rate $10^{-2}$, three linear maps), the best WGAN of Table 8 at the highest
# noise. Look for the same.

# %%
wgan_5 = run_method(ci, "WGAN 5", base_seed=SEED)
print(format_records(wgan_5))

# %% [markdown]
# ## Results
#
# The figures and tables use the paper-scale file `book/results/unmixing.json` when it exists (checked
# field by field by `mmdlib.experiments.results.load`) and the CI run above otherwise.

# %%
live = collect(ci, [mmd_2, mmd_5, wgan_2, wgan_5], base_seed=SEED)
shown, message = load_or_fallback("results/unmixing.json", live)
print(message)

# %% [markdown]
# The VCA column of Table 8 is the error of the starting point. The next cell redraws each repeat's
# data from its seed, runs VCA again and scores it.

# %%
first_method = shown["spec"]["methods"][0]["name"]
vca_errors = initial_errors(shown, first_method)
vca = {label: summarize(label, "VCA", values) for label, values in vca_errors.items()}
for label, summary in vca.items():
    print(f"VCA at {label}: {summary.mean:.2f} ({summary.std:.2f}) over {summary.trials} repeats")

# %% [markdown]
# Mean (standard deviation) of $d(A, A^*)$ for each set-up, this book's value first and the paper's
# Table 8 value for the same set-up after the slash:

# %%
display(Markdown(error_table_markdown(shown, paper=PAPER_TABLE_8)))

# %% [markdown]
# {numref}`fig-exp-unmixing` compares every set-up with the VCA start and with Table 8.

# %% mystnb={"figure": {"caption": "Mean endmember error (eq. 23) of each MMD and WGAN set-up against the noise variance, with the VCA start and the paper's Table 8 values.", "name": "fig-exp-unmixing"}}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
plot_error_summary(axes[0], shown, "sigma_w2", paper=PAPER_TABLE_8,
                   title=f"Mean error, {shown['scale']} scale (unfilled: Table 8)")
axes[0].plot([float(s["sigma_w2"]) for s in shown["spec"]["settings"]], [v.mean for v in vca.values()],
             color="#8c564b", linestyle=":", marker="x", label="VCA start")
axes[0].legend(fontsize="small")
plot_success_rates(axes[1], shown, "sigma_w2", title=f"Success rate, d(A, A*) <= 1 ({shown['scale']} scale)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Verdict
#
# **MMD against WGAN.** At each noise variance the best MMD set-up is compared with the best WGAN set-up
# by mean error, with Welch's statistic $z$ for the difference of the two means; MMD's advantage is
# *clear* when $z < -2$. The same comparison on the paper's own Table 8 follows.

# %%
noise_of = {s["label"]: float(s["sigma_w2"]) for s in shown["spec"]["settings"]}
ours, paper_rows = {}, {}
for label, noise in noise_of.items():
    mmd, wgan = best_of_kind(shown, label, "mmd"), best_of_kind(shown, label, "wgan")
    z = mean_difference_z(mmd, wgan)
    ours[noise] = (mmd, wgan, z)
    print(verdict_line(f"MMD beats WGAN at sigma_w^2 = {noise:g}", z < -2,
                       f"{mmd.method} {mmd.mean:.2f} against {wgan.method} {wgan.mean:.2f}, z = {z:.2f}",
                       shown["scale"]))
for noise in sorted(PAPER_TABLE_8):
    paper_rows[noise] = (best_in_paper_table(noise, "MMD"), best_in_paper_table(noise, "WGAN"))
    (mmd_name, mmd_mean, _), (wgan_name, wgan_mean, _) = paper_rows[noise]
    print(f"Table 8 at sigma_w^2 = {noise:g}: best MMD {mmd_name} {mmd_mean:.2f}, best WGAN {wgan_name} "
          f"{wgan_mean:.2f}; MMD lower: {mmd_mean < wgan_mean}")

# %% [markdown]
# **Table 1 against Table 8.** Table 1 is meant to summarise the appendix grid, but it lists other noise
# variances, and only one of its six entries appears in Table 8 at the same noise variance:

# %%
matches = table1_in_table8()
display(Markdown(table1_markdown()))
for noise, method, (mean, std), found in matches:
    where = ", ".join(found) if found else "no equal entry in Table 8"
    print(f"Table 1, {method} at sigma_w^2 = {noise:g}: {mean:.2f} ({std:.2f}) -> {where}")
shared_noise = sorted(set(PAPER_TABLE_1) & set(PAPER_TABLE_8))
print("noise variances in both tables:", ", ".join(f"{v:g}" for v in shared_noise))

# %% [markdown]
# **Table 1's values against this book's run.** Where a Table 1 noise variance is in the book's grid, the
# best set-up of each method is compared with Table 1 through the standard error of the difference of
# means (the paper's 50 trials and this run's repeats); within two standard errors counts as agreement.

# %%
table1_agreement = {}
for noise, row in PAPER_TABLE_1.items():
    if noise not in ours:
        continue
    mmd, wgan, _ = ours[noise]
    for ours_best, (paper_mean, paper_std) in ((mmd, row["MMD"]), (wgan, row["WGAN"])):
        se = (paper_std**2 / 50 + ours_best.std**2 / ours_best.finite) ** 0.5
        z = (ours_best.mean - paper_mean) / se
        table1_agreement[(noise, ours_best.method)] = z
        print(verdict_line(f"Table 1 value for {ours_best.method.split()[0]} at sigma_w^2 = {noise:g}", abs(z) <= 2,
                           f"book {ours_best.mean:.2f} ({ours_best.method}), paper {paper_mean:.2f}, z = {z:.2f}",
                           shown["scale"]))

# %% [markdown]
# **Text against tables.** Section 4 says MMD and WGAN draw $n = m$ fake samples and that every
# experiment uses the learning rate $10^{-1}$. The appendix and the scales say otherwise:

# %%
setting_m = shown["spec"]["settings"][0]["m"]
fakes = {m.n_fake for m in get_spec("unmixing", "paper").methods}
print(f"unmixing: m = {setting_m} data points, n = {sorted(fakes)} fake samples per step (appendix C.2)")
rates = {}
for experiment in EXPERIMENTS:
    for method in get_spec(experiment, "paper").methods:
        rates.setdefault(method.lr, []).append(f"{experiment}/{method.name}")
other = sum(len(v) for lr, v in rates.items() if lr != 0.1)
print(f"paper-scale methods with a learning rate other than 0.1: {other} of {sum(len(v) for v in rates.values())}")
print("learning rates in the tables:", ", ".join(f"{lr:g} ({len(v)})" for lr, v in sorted(rates.items())))
assert fakes != {setting_m}, "the unmixing fakes now equal m; update the text above"

# %%
lowest = min(noise_of.values())
mmd_low, wgan_low, z_low = ours[lowest]
glue("exp_unmixing_scale", shown["scale"], display=False)
glue("exp_unmixing_lowest_noise", f"{lowest:g}", display=False)
glue("exp_unmixing_best_mmd_low", round(mmd_low.mean, 3), display=False)
glue("exp_unmixing_best_wgan_low", round(wgan_low.mean, 3), display=False)
glue("exp_unmixing_z_low", round(z_low, 2), display=False)
glue("exp_unmixing_mmd_wins", sum(z < -2 for _, _, z in ours.values()), display=False)
glue("exp_unmixing_settings", len(ours), display=False)
glue("exp_unmixing_table8_mmd_wins", sum(m[1] < w[1] for m, w in paper_rows.values()), display=False)
glue("exp_unmixing_table1_matches", sum(bool(found) for *_, found in matches), display=False)
glue("exp_unmixing_table1_entries", len(matches), display=False)
glue("exp_unmixing_vca_low", round(vca[[k for k, v in noise_of.items() if v == lowest][0]].mean, 3), display=False)
glue("exp_unmixing_lr_not_0_1", other, display=False)

# %% [markdown]
# In words, at the {glue:text}`exp_unmixing_scale` scale: MMD's best set-up has a clearly lower mean error
# than WGAN's best at {glue:text}`exp_unmixing_mmd_wins` of {glue:text}`exp_unmixing_settings` noise
# variances; at $\sigma_w^2 =$ {glue:text}`exp_unmixing_lowest_noise` the means are
# {glue:text}`exp_unmixing_best_mmd_low:.3f` (MMD) and {glue:text}`exp_unmixing_best_wgan_low:.3f` (WGAN),
# $z =$ {glue:text}`exp_unmixing_z_low:.2f`, from a VCA start at {glue:text}`exp_unmixing_vca_low:.3f`. The paper's
# own Table 8 favours MMD at {glue:text}`exp_unmixing_table8_mmd_wins` of its three noise variances: at
# $\sigma_w^2 = 1$ its best WGAN set-up is below its best MMD set-up, which the text's "clear advantage"
# leaves out. Table 8 contains {glue:text}`exp_unmixing_table1_matches` of the
# {glue:text}`exp_unmixing_table1_entries` values of Table 1, and {glue:text}`exp_unmixing_lr_not_0_1` of
# the tables' methods use a learning rate other than the $10^{-1}$ that section 4 states for all
# experiments.
#
# ```{admonition} Deviation from the paper
# :class: warning
#
# - **Scale.** The paper runs all twelve set-ups for 5000 iterations with 50 trials each. The CI scale
#   runs four set-ups with fewer iterations and repeats (see the settings table); a stored paper-scale
#   file may cap the repeats (its `repeats_cap` field, set by `tools/run_paper_scale.sh --repeats`).
# - **Noise variances.** Table 8's values $(0.01, 0.1, 1)$, not Table 1's $(0.001, 0.01, 0.1)$: Table 8 is
#   the only table with a number for every set-up.
# - **Sample sizes.** Section 4.3's "n = 100" is read as $m = 100$ data points, with the 256 fake samples
#   per step of appendix C.2 as $n$; section 4's general rule $n = m$ is not followed here.
# - **Truth.** The paper does not say how $A^*$ is drawn; the book draws its entries from $U(0, 1)$,
#   like reflectances. Table 8's errors depend on this choice, so only the ranking of set-ups, not the
#   values, can be expected to carry over.
# - **VCA.** The book's own implementation ({cite}`nascimento2005vca`), not the code the paper links.
# - **Success.** The paper reports mean errors only; the success rate with $d(A, A^*) \le 1$ is the
#   book's addition.
# - **WGAN.** "Layers" in Table 7 is read as the number of linear maps of the critic, trained with the
#   gradient penalty of {cite}`gulrajani2017improved`.
# ```
