"""The two scales of every experiment of Alon, Globerson and Wiesel (2021, arXiv 2110.13452), as data: ``paper`` (appendix Tables 2 to 8) and ``ci`` (fast).

Reading of the appendix tables. The "Bandwidth" column lists powers of ten (printed 10^1, 10^2, 10^4);
we read it as the kernel variance sigma2 in exp(-|x-y|^2/(2 sigma2)), not as sigma, because sigma2 is the
paper's own kernel parameter in eq. 2 and Lemma 4. "Fakes ratio" is n/m. "Repeats" differs per method.

The ``ci`` scale keeps every method and the shape of each x-axis but cuts repeats, iterations and the
values of m, so that each experiment runs in about a minute on 2 CPU cores. Its numbers are a smoke test,
not a reproduction.
"""

from __future__ import annotations

from mmdlib.experiments.spec import ExperimentSpec, Method, Setting

SCALES = ("ci", "paper")

# Choices that the paper (Alon et al., 2021) leaves open, shared by all Gaussian experiments.
COMMON_NOTES = {
    "d": "The paper states d only for unmixing (d = 10); we use d = 10 throughout the paper scale.",
    "m": "Figures 4, 5, 7 and 8 plot success against m without listing the values; we use powers of two.",
    "truth": "True parameters (mu*, a*, the known mixture mean) are drawn from N(0, I_d), one draw per repeat.",
    "init": "Initial parameters are drawn from N(0, I_d), independently of the truth; all methods of one "
    "repeat share the truth, the data and the initial value.",
    "known covariance": "The known covariance Sigma of the mean models is I_d.",
    "bandwidth": "Table values are read as the kernel variance sigma2 of exp(-|x-y|^2/(2 sigma2)).",
    "optimizer": "Adam with the table's learning rate; WGAN uses Adam betas (0.5, 0.9), 5 critic steps per "
    "generator step and gradient penalty weight 10 (Gulrajani et al., 2017), none of which the paper states.",
    "norm": "The covariance error |a a^T - a* a*^T| is the Frobenius norm.",
}

PAPER_M = (16, 32, 64, 128, 256, 512, 1024)
CI_M = (16, 64, 256)
COV_EPS = 1e-5  # section 4.2: "the small eps = 1e-5"


def _settings(ms: tuple[int, ...], eps: float = 0.0) -> tuple[Setting, ...]:
    return tuple(Setting(f"m={m}", m, eps=eps) for m in ms)


def _paper_gaussian(experiment: str) -> ExperimentSpec:
    # Rows: (kind, lr, iterations, sigma2, repeats, critic layers) from Tables 2 to 5.
    tables = {
        "mean": ((0.1, 500, 10.0, 800), (0.1, 500, 10.0, 100), (0.1, 500, 100), (0.01, 1000, 500, 1)),
        "mixture_mean": ((0.1, 1000, 10.0, 700), (0.1, 1000, 10.0, 100), (0.1, 1000, 100), (0.1, 1000, 1000, 2)),
        "covariance": ((0.1, 1000, 100.0, 800), (0.1, 1000, 10.0, 100), (0.1, 1000, 100), (0.1, 1000, 800, 2)),
        "mixture_covariance": (
            (0.01, 1000, 10.0, 200), (0.1, 1000, 10.0, 200), (0.1, 1000, 200), (0.01, 1000, 200, 2),
        ),
    }
    mmd, osmmd, mle, wgan = tables[experiment]
    methods = (
        Method("MMD", "mmd", lr=mmd[0], iterations=mmd[1], sigma2=mmd[2], repeats=mmd[3], fakes_ratio=1.0),
        Method("OSMMD", "osmmd", lr=osmmd[0], iterations=osmmd[1], sigma2=osmmd[2], repeats=osmmd[3]),
        Method("MLE", "mle", lr=mle[0], iterations=mle[1], repeats=mle[2]),
        Method("WGAN", "wgan", lr=wgan[0], iterations=wgan[1], repeats=wgan[2], fakes_ratio=1.0,
               critic_layers=wgan[3]),
    )
    eps = COV_EPS if "covariance" in experiment else 0.0
    threshold = {"mean": 0.02, "mixture_mean": 0.02, "covariance": 0.05, "mixture_covariance": 0.1}[experiment]
    notes = dict(COMMON_NOTES)
    if experiment == "mixture_mean":
        notes["critic"] = "Section 4 makes the critic linear only for the Gaussian mean; here it has two layers."
    if experiment == "mixture_covariance":
        notes["eps"] = "The paper does not give eps for the mixture; we reuse eps = 1e-5 of section 4.2."
    return ExperimentSpec(experiment, "paper", 10, _settings(PAPER_M, eps), methods, threshold, notes=notes)


def _ci_gaussian(experiment: str) -> ExperimentSpec:
    paper = _paper_gaussian(experiment)
    iterations = 200 if experiment in ("mean", "mixture_mean") else 300
    methods = tuple(
        Method(m.name, m.kind, lr=m.lr, iterations=iterations if m.kind != "wgan" else iterations,
               repeats=16, sigma2=m.sigma2, fakes_ratio=m.fakes_ratio, critic_layers=m.critic_layers)
        for m in paper.methods
    )
    eps = paper.settings[0].eps
    notes = dict(paper.notes, scale="ci: m in (16, 64, 256), 16 repeats, at most 300 iterations.")
    return ExperimentSpec(experiment, "ci", 10, _settings(CI_M, eps), methods, paper.threshold, notes=notes)


EPS_GRID = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def _covariance_eps(scale: str) -> ExperimentSpec:
    notes = dict(COMMON_NOTES)
    notes["eps grid"] = "Figure 6 does not list its eps values or m; we use eps in 1e-5..1 and m = 256."
    notes["iterations"] = (
        "Section 4.2 says both methods share iterations and learning rate, but Table 6 gives OSMMD lr 10 for "
        "5000 iterations and MLE lr 0.1 for 10000; we follow Table 6."
    )
    if scale == "paper":
        methods = (
            Method("OSMMD", "osmmd", lr=10.0, iterations=5000, sigma2=1e4, repeats=100),
            Method("MLE", "mle", lr=0.1, iterations=10000, repeats=100),
        )
        return ExperimentSpec("covariance_eps", "paper", 10,
                              tuple(Setting(f"eps={e:g}", 256, eps=e) for e in EPS_GRID), methods, 0.05,
                              notes=notes)
    methods = (
        Method("OSMMD", "osmmd", lr=10.0, iterations=300, sigma2=1e4, repeats=16),
        Method("MLE", "mle", lr=0.1, iterations=600, repeats=16),
    )
    notes["scale"] = "ci: m = 256, 16 repeats, eps in (1e-5, 1e-2, 1), at most 600 iterations."
    return ExperimentSpec("covariance_eps", "ci", 10,
                          tuple(Setting(f"eps={e:g}", 256, eps=e) for e in (1e-5, 1e-2, 1.0)), methods, 0.05,
                          notes=notes)


UNMIXING_NOISE = (0.01, 0.1, 1.0)


def _unmixing(scale: str) -> ExperimentSpec:
    paper = scale == "paper"
    iterations, repeats = (5000, 50) if paper else (300, 8)
    methods = []
    for i, (lr, sigma2) in enumerate([(lr, s) for lr in (1e-2, 1e-1) for s in (1e-2, 1e-1, 1.0)], start=1):
        methods.append(Method(f"MMD {i}", "mmd", lr=lr, iterations=iterations, sigma2=sigma2, repeats=repeats,
                              n_fake=256))
    for i, (lr, layers) in enumerate([(lr, k) for k in (2, 3) for lr in (1e-3, 1e-2, 1e-1)], start=1):
        methods.append(Method(f"WGAN {i}", "wgan", lr=lr, iterations=iterations, repeats=repeats, n_fake=256,
                              critic_layers=layers))
    if not paper:
        methods = [m for m in methods if m.name in ("MMD 2", "MMD 5", "WGAN 2", "WGAN 5")]
    notes = {
        "noise": "Table 8 lists sigma_w^2 in (0.01, 0.1, 1.0) while Table 1 lists (0.001, 0.01, 0.1); we use "
        "Table 8, whose rows carry the numbers.",
        "data": "Section 4.3 says n = 100 samples; we read it as m = 100 data points and take the 256 fake "
        "samples per step of appendix C.2 as n.",
        "truth": "Entries of A* are drawn from U(0, 1), like reflectances; the paper does not say.",
        "layers": "WGAN 'Layers' is read as the number of linear maps in the critic.",
        "success": "The paper reports the mean and standard deviation of d(A, A*) (eq. 23); success here means "
        "d(A, A*) <= 1, a threshold of our own.",
        "init": "All methods start from VCA (mmdlib.unmixing.vca), run on each repeat's data.",
    }
    settings = tuple(Setting(f"sigma_w2={s:g}", 100, sigma_w2=s) for s in UNMIXING_NOISE)
    if not paper:
        notes["scale"] = "ci: 8 repeats, 300 iterations, methods MMD 2, MMD 5, WGAN 2, WGAN 5."
    return ExperimentSpec("unmixing", scale, 10, settings, tuple(methods), 1.0, r=3, init="vca", notes=notes)


def get_spec(experiment: str, scale: str) -> ExperimentSpec:
    """Build the :class:`ExperimentSpec` of ``experiment`` at ``scale`` (``"ci"`` or ``"paper"``)."""
    from mmdlib.experiments import EXPERIMENTS

    if experiment not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {experiment!r}; choose one of {', '.join(EXPERIMENTS)}")
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if experiment == "covariance_eps":
        return _covariance_eps(scale)
    if experiment == "unmixing":
        return _unmixing(scale)
    return _paper_gaussian(experiment) if scale == "paper" else _ci_gaussian(experiment)
