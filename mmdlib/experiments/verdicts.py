"""Checks of the section 4 claims of Alon, Globerson and Wiesel, "On the Optimization Landscape of
Maximum Mean Discrepancy" (arXiv 2110.13452), computed from a results dict (a stored file or a live run).

Success rates are compared through their Wilson 95% intervals (:func:`mmdlib.experiments.success.wilson_interval`):
two methods differ at a setting when their intervals are disjoint, and coincide when they overlap at every
setting. Unmixing errors d(A, A*) (eq. 23) are summarised by their mean and sample standard deviation, as
in the paper's Tables 1 and 8, whose printed values are transcribed here for comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Sequence

from scipy.stats import chi2

import torch

from mmdlib._validation import check_integer, check_nonnegative, check_points, check_positive
from mmdlib.experiments.spec import ExperimentSpec, Method, Setting
from mmdlib.experiments.success import covariance_error, wilson_interval

if TYPE_CHECKING:
    from mmdlib.experiments.problems import Problem

PAPER_TABLE_1: dict[float, dict[str, tuple[float, float]]] = {
    0.001: {"WGAN": (0.60, 0.20), "MMD": (0.46, 0.19)},
    0.01: {"WGAN": (0.61, 0.19), "MMD": (0.46, 0.17)},
    0.1: {"WGAN": (0.61, 0.16), "MMD": (0.50, 0.18)},
}
"""The paper's Table 1: mean (standard deviation) of d(A, A*) per noise variance sigma_w^2, over 50 trials."""

_TABLE_8_COLUMNS = ("Random", "VCA") + tuple(f"MMD {i}" for i in range(1, 7)) + tuple(f"WGAN {i}" for i in range(1, 7))
_TABLE_8_VALUES = {
    0.01: (7.68, 0.72, 0.77, 0.23, 0.36, 0.19, 0.43, 0.14, 0.55, 0.17, 0.56, 0.21, 0.46, 0.17, 0.60, 0.19,
           0.60, 0.23, 0.74, 0.22, 6.38, 15.23, 0.61, 0.25, 0.68, 0.20, 2.58, 1.82),
    0.1: (7.60, 0.62, 0.97, 0.73, 1.00, 1.11, 0.56, 0.24, 0.63, 0.20, 5.92, 10.25, 0.61, 0.26, 0.67, 0.21,
          0.69, 0.46, 1.36, 0.86, 9.03, 18.59, 0.72, 0.61, 0.87, 0.58, 3.64, 2.62),
    1.0: (7.46, 0.66, 4.67, 1.13, 4.68, 1.13, 4.89, 1.02, 4.09, 0.81, 4.95, 1.51, 22.95, 1.74, 4.15, 0.80,
          3.77, 0.89, 3.56, 0.88, 13.96, 18.04, 3.70, 0.90, 3.42, 0.92, 4.76, 1.98),
}
PAPER_TABLE_8: dict[float, dict[str, tuple[float, float]]] = {
    noise: {name: (values[2 * i], values[2 * i + 1]) for i, name in enumerate(_TABLE_8_COLUMNS)}
    for noise, values in _TABLE_8_VALUES.items()
}
"""The paper's Table 8: mean (standard deviation) of d(A, A*) per noise variance and set-up, over 50 trials.

"Random" and "VCA" are the starting points; "MMD i" and "WGAN i" are the set-ups of the paper's Table 7.
"""


@dataclass(frozen=True)
class RateCurve:
    """Success counts of one method along an experiment's x-axis.

    Attributes:
        method: the method's name; settings: setting labels; x: the x value of each setting.
        successes, trials: counts per setting; low, high: Wilson 95% bounds per setting.
    """

    method: str
    settings: tuple[str, ...]
    x: tuple[float, ...]
    successes: tuple[int, ...]
    trials: tuple[int, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]

    @property
    def rates(self) -> tuple[float, ...]:
        """Success rate per setting (NaN where no repeat finished)."""
        return tuple(s / t if t else math.nan for s, t in zip(self.successes, self.trials))

    @property
    def pooled_rate(self) -> float:
        """Successes over trials summed across all settings (NaN if nothing finished)."""
        trials = sum(self.trials)
        return sum(self.successes) / trials if trials else math.nan


def methods(data: dict) -> tuple[str, ...]:
    """Names of the methods in a results dict, in the order of its spec."""
    return tuple(m["name"] for m in data["spec"]["methods"])


def method_kinds(data: dict) -> dict[str, str]:
    """Method name to kind (``"mmd"``, ``"osmmd"``, ``"mle"``, ``"wgan"``) for a results dict."""
    return {m["name"]: m["kind"] for m in data["spec"]["methods"]}


def x_values(data: dict, x: str) -> dict[str, float]:
    """Setting label to the value of field ``x`` (``"m"``, ``"eps"`` or ``"sigma_w2"``) of that setting.

    Raises:
        ValueError: if ``x`` is not a field of the settings.
    """
    settings = data["spec"]["settings"]
    if not settings or x not in settings[0] or x == "label":
        fields = sorted(k for k in (settings[0] if settings else {}) if k != "label")
        raise ValueError(f"x must name a setting field, one of {fields}, got {x!r}")
    return {s["label"]: s[x] for s in settings}


def rate_curve(data: dict, method: str, x: str = "m") -> RateCurve:
    """Count the successes of ``method`` at every setting, in the order of the spec's settings.

    Settings where no repeat finished get 0 trials and the bounds (NaN, NaN).

    Raises:
        KeyError: if the results hold no run of ``method``.
    """
    runs = {r["setting"]: r for r in data["runs"] if r["method"] == method}
    if not runs:
        raise KeyError(f"no runs of method {method!r}; the results hold {list(methods(data))}")
    labels = tuple(label for label in x_values(data, x) if label in runs)
    xs = x_values(data, x)
    successes = tuple(runs[label]["successes"] for label in labels)
    trials = tuple(runs[label]["finished"] for label in labels)
    bounds = [wilson_interval(s, t) if t else (math.nan, math.nan) for s, t in zip(successes, trials)]
    return RateCurve(method, labels, tuple(float(xs[label]) for label in labels), successes, trials,
                     tuple(b[0] for b in bounds), tuple(b[1] for b in bounds))


def sample_mean_success_probability(m: int, d: int, threshold: float) -> float:
    """Probability that the sample mean of m draws of N(mu*, I_d) meets |mean - mu*| / d <= threshold.

    The sample mean is N(mu*, I_d / m), so m |mean - mu*|^2 follows a chi-square law with d degrees of
    freedom and the probability is P(chi2_d <= m (threshold d)^2). This is the success rate of the exact
    MLE in the one-Gaussian experiment of section 4.1, whose known covariance is I_d.

    Raises:
        TypeError, ValueError: if m or d is not a positive integer or threshold is not positive.
    """
    m = check_integer("m", m, minimum=1)
    d = check_integer("d", d, minimum=1)
    threshold = float(check_positive("threshold", threshold))
    return float(chi2.cdf(m * (threshold * d) ** 2, df=d))


@dataclass(frozen=True)
class RateComparison:
    """Two methods' success rates compared setting by setting through their Wilson 95% intervals.

    Attributes:
        first, second: the two methods; settings: the settings both ran (with at least one repeat).
        differences: rate of ``first`` minus rate of ``second``, per setting.
        first_higher, second_higher: settings where the intervals are disjoint and that method is above.
        pooled_first, pooled_second: each method's successes over trials summed across ``settings``.
    """

    first: str
    second: str
    settings: tuple[str, ...]
    differences: tuple[float, ...]
    first_higher: tuple[str, ...]
    second_higher: tuple[str, ...]
    pooled_first: float
    pooled_second: float

    @property
    def max_abs_difference(self) -> float:
        """Largest |rate difference| over the settings."""
        return max(abs(d) for d in self.differences)

    @property
    def overlapping(self) -> int:
        """Number of settings whose two intervals overlap."""
        return len(self.settings) - len(self.first_higher) - len(self.second_higher)

    @property
    def coincide(self) -> bool:
        """True when the intervals overlap at every setting: the data cannot tell the two methods apart."""
        return not self.first_higher and not self.second_higher

    @property
    def first_better(self) -> bool:
        """True when ``first`` is above with disjoint intervals somewhere, never below so, and pooled above."""
        return bool(self.first_higher) and not self.second_higher and self.pooled_first > self.pooled_second


def compare_rates(data: dict, first: str, second: str, settings: Sequence[str] | None = None) -> RateComparison:
    """Compare the success rates of methods ``first`` and ``second`` (see :class:`RateComparison`).

    Args:
        data: a validated results dict.
        first, second: method names.
        settings: labels to compare; None compares every setting where both methods finished a repeat.

    Raises:
        KeyError: for an unknown method; ValueError if no setting is left to compare.
    """
    a, b = rate_curve(data, first), rate_curve(data, second)
    index_a = {label: i for i, label in enumerate(a.settings) if a.trials[i]}
    index_b = {label: i for i, label in enumerate(b.settings) if b.trials[i]}
    requested = a.settings if settings is None else tuple(settings)
    labels = tuple(label for label in requested if label in index_a and label in index_b)
    if not labels:
        raise ValueError(f"no setting where both {first!r} and {second!r} finished a repeat among {list(requested)}")
    differences, first_higher, second_higher = [], [], []
    for label in labels:
        i, j = index_a[label], index_b[label]
        differences.append(a.rates[i] - b.rates[j])
        if a.low[i] > b.high[j]:
            first_higher.append(label)
        elif b.low[j] > a.high[i]:
            second_higher.append(label)

    def pooled(curve: RateCurve, index: dict[str, int]) -> float:
        return sum(curve.successes[index[k]] for k in labels) / sum(curve.trials[index[k]] for k in labels)

    return RateComparison(first, second, labels, tuple(differences), tuple(first_higher), tuple(second_higher),
                          pooled(a, index_a), pooled(b, index_b))


@dataclass(frozen=True)
class ErrorSummary:
    """Mean and sample standard deviation of one method's errors at one setting.

    Attributes:
        setting, method: which run; mean, std: over the finite errors (std uses n - 1, NaN for one value);
        finite: number of finite errors; trials: finished repeats (non-finite errors count as failures).
    """

    setting: str
    method: str
    mean: float
    std: float
    finite: int
    trials: int


def error_summary(data: dict, setting: str, method: str) -> ErrorSummary:
    """:class:`ErrorSummary` of the run of ``method`` at ``setting``.

    Raises:
        KeyError: if the results hold no such run.
    """
    for run in data["runs"]:
        if run["setting"] == setting and run["method"] == method:
            return summarize(setting, method, run["errors"])
    raise KeyError(f"no run of method {method!r} at setting {setting!r}")


def best_of_kind(data: dict, setting: str, kind: str) -> ErrorSummary:
    """The method of ``kind`` with the lowest mean error at ``setting`` (ties: first in spec order).

    Raises:
        KeyError: if no method of ``kind`` ran at ``setting``.
    """
    kinds = method_kinds(data)
    candidates = [error_summary(data, setting, name) for name in methods(data) if kinds[name] == kind
                  and any(r["setting"] == setting and r["method"] == name and r["finished"] for r in data["runs"])]
    candidates = [c for c in candidates if c.finite]
    if not candidates:
        raise KeyError(f"no method of kind {kind!r} finished a repeat at setting {setting!r}")
    return min(candidates, key=lambda c: c.mean)


def mean_difference_z(a: ErrorSummary, b: ErrorSummary) -> float:
    """(mean_a - mean_b) / sqrt(std_a^2 / n_a + std_b^2 / n_b), Welch's statistic for two means.

    Negative values mean ``a`` has the lower mean error. Returns NaN if either has fewer than two values.
    """
    if a.finite < 2 or b.finite < 2:
        return math.nan
    scale = math.sqrt(a.std ** 2 / a.finite + b.std ** 2 / b.finite)
    return (a.mean - b.mean) / scale if scale > 0 else math.copysign(math.inf, a.mean - b.mean)


def best_in_paper_table(noise: float, prefix: str) -> tuple[str, float, float]:
    """Find the set-up whose name starts with ``prefix`` (``"MMD"`` or ``"WGAN"``) with the lowest mean in Table 8.

    Returns:
        (name, mean, standard deviation) at noise variance ``noise``.

    Raises:
        KeyError: if Table 8 has no column for ``noise``.
    """
    if noise not in PAPER_TABLE_8:
        raise KeyError(f"Table 8 has no noise variance {noise}; it has {sorted(PAPER_TABLE_8)}")
    cells = [(name, *value) for name, value in PAPER_TABLE_8[noise].items() if name.startswith(prefix)]
    return min(cells, key=lambda cell: cell[1])


def table1_in_table8() -> list[tuple[float, str, tuple[float, float], list[str]]]:
    """Find, for each Table 1 entry, the Table 8 set-ups with the same noise variance, mean and std.

    Returns:
        A list of (noise, method, Table 1 value, matching Table 8 names). The list of names is empty where
        Table 8 has no such column or no equal value.
    """
    matches = []
    for noise, row in PAPER_TABLE_1.items():
        for method, value in row.items():
            same = [name for name, cell in PAPER_TABLE_8.get(noise, {}).items()
                    if name.startswith(method) and cell == value]
            matches.append((noise, method, value, same))
    return matches


def verdict_line(claim: str, holds: bool, evidence: str, scale: str) -> str:
    """Format one printed line: ``[<scale> scale] <claim>: holds|does not hold (<evidence>)``."""
    return f"[{scale} scale] {claim}: {'holds' if holds else 'does not hold'} ({evidence})"


def rank_one_mle(y: torch.Tensor, eps: float) -> torch.Tensor:
    """Closed-form maximum-likelihood a of N(0, a a^T + eps^2 I) with eps known, batched over repeats.

    With S = y^T y / m the sample second moment, lambda_1 its largest eigenvalue and v_1 a unit
    eigenvector, the likelihood is maximised by a = sqrt(max(lambda_1 - eps^2, 0)) v_1 (probabilistic PCA
    with one factor and a fixed noise variance, Tipping and Bishop 1999). The sign of a is arbitrary, like
    the model's. Computed in float64.

    Args:
        y: data ``(..., m, d)``.
        eps: the known noise level, >= 0.

    Returns:
        ``(..., d)`` in the dtype of ``y``.
    """
    y = check_points("y", y)
    eps = float(check_nonnegative("eps", eps))
    y64 = y.double()
    second_moment = y64.transpose(-2, -1) @ y64 / y.shape[-2]  # (..., d, d)
    values, vectors = torch.linalg.eigh(second_moment)  # ascending eigenvalues
    scale = (values[..., -1] - eps**2).clamp_min(0.0).sqrt()
    return (scale.unsqueeze(-1) * vectors[..., -1]).to(y.dtype)


def redraw_problems(data: dict, method: str) -> Iterator[tuple[Setting, Problem]]:
    """Draw again, from each repeat's seed, the truth, data and starting point of the repeats ``method`` ran.

    The draws equal the runner's for the same spec, setting and seed (in float64), so exact estimators can
    be scored on the very data the trained methods saw. Settings where ``method`` finished no repeat are
    skipped.

    Yields:
        (setting, problem) per setting, the problem batched over the repeats in their stored order.

    Raises:
        KeyError: if the results hold no run of ``method``.
    """
    from mmdlib.experiments.problems import build_problem
    from mmdlib.experiments.runner import repeat_seed

    spec = _spec_from_dict(data["spec"])
    runs = {r["setting"]: r for r in data["runs"] if r["method"] == method}
    if not runs:
        raise KeyError(f"no runs of method {method!r}; the results hold {list(methods(data))}")
    for index, setting in enumerate(spec.settings):
        indices = runs[setting.label]["repeat_indices"] if setting.label in runs else []
        if not indices:
            continue
        seeds = [repeat_seed(data["base_seed"], index, int(k)) for k in indices]
        keys = torch.tensor(seeds, dtype=torch.int64)
        yield setting, build_problem(spec, setting, keys, seeds, torch.float64)


def closed_form_mle_curve(data: dict, method: str = "MLE") -> RateCurve:
    """Count the successes of the closed-form MLE (:func:`rank_one_mle`) on a covariance experiment's data.

    The data are those of the repeats that ``method`` ran (:func:`redraw_problems`). The curve is named
    ``"closed-form MLE"``.

    Raises:
        ValueError: if the results are not of the single-Gaussian covariance experiments.
    """
    if data["experiment"] not in ("covariance", "covariance_eps"):
        raise ValueError(f"the closed-form MLE covers the experiments 'covariance' and 'covariance_eps', got "
                         f"{data['experiment']!r}")
    threshold = data["spec"]["threshold"]
    labels, xs, successes, trials = [], [], [], []
    for setting, problem in redraw_problems(data, method):
        errors = covariance_error(rank_one_mle(problem.y, setting.eps), problem.truth["a"])
        labels.append(setting.label)
        xs.append(float(setting.eps if data["experiment"] == "covariance_eps" else setting.m))
        successes.append(int((errors <= threshold).sum()))
        trials.append(len(errors))
    bounds = [wilson_interval(s, t) for s, t in zip(successes, trials)]
    return RateCurve("closed-form MLE", tuple(labels), tuple(xs), tuple(successes), tuple(trials),
                     tuple(b[0] for b in bounds), tuple(b[1] for b in bounds))


def _spec_from_dict(spec: dict) -> ExperimentSpec:
    """Rebuild an :class:`ExperimentSpec` from its ``to_dict`` form, as stored in a results file."""
    fields = dict(spec)
    fields["settings"] = tuple(Setting(**s) for s in spec["settings"])
    fields["methods"] = tuple(Method(**{**m, "holdout_grid": tuple(m["holdout_grid"])}) for m in spec["methods"])
    return ExperimentSpec(**fields)


def initial_errors(data: dict, method: str) -> dict[str, list[float]]:
    """Score the starting point of each repeat that ``method`` ran with the experiment's error, per setting.

    For the unmixing experiment the starting point is VCA's estimate, so this is the paper's "VCA" column.

    Raises:
        KeyError: if the results hold no run of ``method``.
    """
    from mmdlib.experiments.problems import parameter_error

    spec = _spec_from_dict(data["spec"])
    return {setting.label: parameter_error(spec, problem.init, problem.truth).tolist()
            for setting, problem in redraw_problems(data, method)}


def summarize(setting: str, method: str, values: Sequence[float]) -> ErrorSummary:
    """:class:`ErrorSummary` of a list of errors; non-finite values count as trials but not in the mean."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    mean = sum(finite) / len(finite) if finite else math.nan
    var = sum((v - mean) ** 2 for v in finite) / (len(finite) - 1) if len(finite) > 1 else math.nan
    return ErrorSummary(setting, method, mean, math.sqrt(var), len(finite), len(values))
