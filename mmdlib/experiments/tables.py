"""Settings tables of the experiments, generated from :mod:`mmdlib.experiments.scales` (one source of truth).

"The paper" is Alon, Globerson and Wiesel, "On the Optimization Landscape of Maximum Mean Discrepancy"
(arXiv 2110.13452); its appendix C lists the hyperparameters in Tables 2 to 7.

Each row names a parameter, its value at the paper scale and at the CI scale, and where the paper-scale
value comes from: a table or section of the paper, or the book's own choice with the reason taken from
the spec's ``notes``. Values are read from the specs and never typed here, so a change in ``scales.py``
changes every table in the book.
"""

from __future__ import annotations

from dataclasses import dataclass

from mmdlib.baselines.wgan import WGANConfig, hidden_width
from mmdlib.experiments import EXPERIMENTS
from mmdlib.experiments.scales import COMMON_NOTES, get_spec
from mmdlib.experiments.spec import ExperimentSpec, Method

PAPER_TABLE = {
    "mean": "Table 2", "mixture_mean": "Table 3", "covariance": "Table 4", "mixture_covariance": "Table 5",
    "covariance_eps": "Table 6", "unmixing": "Table 7",
}
"""The appendix table of the paper that lists each experiment's per-method hyperparameters."""

FIGURE = {
    "mean": "Figure 4", "mixture_mean": "Figure 5", "covariance": "Figure 7", "mixture_covariance": "Figure 8",
    "covariance_eps": "Figure 6", "unmixing": "Tables 1 and 8",
}
"""Where the paper shows each experiment's results."""

BOOK = "book"


@dataclass(frozen=True)
class SettingRow:
    """One line of a settings table.

    Attributes:
        parameter: what the value sets, e.g. ``"MMD learning rate"``.
        paper: the value at the paper scale, as text; ci: the value at the CI scale.
        source: ``"paper: <where>"`` or ``"book: <reason>"`` for the paper-scale value.
    """

    parameter: str
    paper: str
    ci: str
    source: str


def format_value(value: object) -> str:
    """Short text for a setting value: ``0.1``, ``1e-05``, ``500``, ``(16, 64)``, ``-`` for None."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    return str(value)


def _note(spec: ExperimentSpec, key: str) -> str:
    """Point to the open choice ``key``, which :func:`open_choices_markdown` states in words."""
    if key not in open_choices(spec.experiment):
        raise KeyError(f"the {spec.experiment!r} spec has no note {key!r}; notes: {sorted(spec.notes)}")
    return f"{BOOK}: see *{key}* below"


def _axis(spec: ExperimentSpec) -> tuple[str, tuple]:
    if spec.experiment == "covariance_eps":
        return "eps values", tuple(s.eps for s in spec.settings)
    if spec.experiment == "unmixing":
        return "noise variances sigma_w^2", tuple(s.sigma_w2 for s in spec.settings)
    return "values of m", tuple(s.m for s in spec.settings)


def _experiment_rows(paper: ExperimentSpec, ci: ExperimentSpec) -> list[SettingRow]:
    experiment = paper.experiment
    unmixing = experiment == "unmixing"
    axis_name, paper_axis = _axis(paper)
    _, ci_axis = _axis(ci)
    if unmixing:
        axis_source = "paper: Table 8 (Table 1 lists other values, see *noise* below)"
        d_source = "paper: section 4.3"
    else:
        axis_source = _note(paper, "eps grid" if experiment == "covariance_eps" else "m")
        d_source = _note(paper, "d")
    rows = [
        SettingRow("dimension d", format_value(paper.d), format_value(ci.d), d_source),
        SettingRow(axis_name, format_value(paper_axis), format_value(ci_axis), axis_source),
    ]

    if experiment in ("covariance_eps", "unmixing"):
        sizes = sorted({s.m for s in paper.settings})
        source = _note(paper, "data") if unmixing else _note(paper, "eps grid")
        rows.append(SettingRow("data points m", format_value(tuple(sizes)),
                               format_value(tuple(sorted({s.m for s in ci.settings}))), source))

    if experiment in ("covariance", "mixture_covariance"):
        source = _note(paper, "eps") if "eps" in paper.notes else "paper: section 4.2"
        rows.append(SettingRow("eps", format_value(paper.settings[0].eps), format_value(ci.settings[0].eps), source))
    if unmixing:
        rows.append(SettingRow("endmembers r", format_value(paper.r), format_value(ci.r), "paper: section 4.3"))

    threshold_source = {"mean": "paper: section 4.1", "mixture_mean": "paper: section 4.1",
                        "covariance": "paper: section 4.2", "mixture_covariance": "paper: section 4.2",
                        "covariance_eps": "paper: section 4.2 (the single-Gaussian gamma)"}
    rows.append(SettingRow("success threshold", format_value(paper.threshold), format_value(ci.threshold),
                           _note(paper, "success") if unmixing else threshold_source[experiment]))
    rows.append(SettingRow("initial value", paper.init, ci.init,
                           "paper: section 4.3 (VCA)" if unmixing else _note(paper, "init")))
    rows.append(SettingRow("true parameters", "random per repeat", "random per repeat", _note(paper, "truth")))
    return rows


def _method_value(method: Method | None, field: str) -> object:
    if method is None:
        return None
    if field == "n_fake":
        if method.n_fake is not None:
            return method.n_fake
        return "m" if method.fakes_ratio == 1.0 else f"{method.fakes_ratio:g} m"
    return getattr(method, field)


def _method_source(paper: ExperimentSpec, field: str) -> str:
    """Where the paper-scale values of the method field ``field`` come from."""
    table = PAPER_TABLE[paper.experiment]
    if paper.experiment == "unmixing":
        return {"lr": f"paper: {table}", "sigma2": f"paper: {table}", "critic_layers": f"paper: {table} (see *layers* below)",
                "iterations": "paper: appendix C.2", "repeats": "paper: appendix C.2 (50 trials)",
                "n_fake": "paper: appendix C.2 (256 fake samples)"}[field]
    if field == "critic_layers":
        if "critic" in paper.notes:
            return _note(paper, "critic")
        return "paper: section 4 (linear critic for the mean, two layers otherwise)"
    if field == "sigma2":
        return f"paper: {table} ('Bandwidth', read as sigma2)"
    if field == "iterations" and "iterations" in paper.notes:
        return f"paper: {table} (not the text, see the notes)"
    return f"paper: {table}"


METHOD_FIELDS = (
    ("lr", "learning rate"),
    ("iterations", "iterations"),
    ("sigma2", "kernel variance sigma2"),
    ("n_fake", "model samples n per step"),
    ("repeats", "repeats"),
    ("critic_layers", "critic linear maps"),
)
"""Method fields shown in settings tables, with their names in words."""

_FIELD_KINDS = {"sigma2": ("mmd", "osmmd"), "n_fake": ("mmd", "wgan"), "critic_layers": ("wgan",)}


def _wgan_rows(paper: ExperimentSpec, ci: ExperimentSpec) -> list[SettingRow]:
    if not any(m.kind == "wgan" for m in paper.methods):
        return []
    config, source = WGANConfig(), _note(paper, "optimizer")
    return [
        SettingRow("WGAN critic hidden width", format_value(hidden_width(paper.d)), format_value(hidden_width(ci.d)),
                   "paper: section 4 (smallest power of two above d)"),
        SettingRow("WGAN critic steps per generator step", format_value(config.critic_steps),
                   format_value(config.critic_steps), source),
        SettingRow("WGAN gradient-penalty weight", format_value(config.gp_weight), format_value(config.gp_weight),
                   source),
        SettingRow("WGAN Adam betas", format_value(config.betas), format_value(config.betas), source),
    ]


def settings_rows(experiment: str) -> list[SettingRow]:
    """Every parameter of ``experiment`` at the paper and CI scales, with the source of the paper value.

    The rows cover the experiment (dimension, x-axis values, eps, threshold, initial value, truth) and
    the WGAN settings shared by its methods. The per-method hyperparameters are in
    :func:`hyperparameter_markdown`, and every open choice in words in :func:`open_choices`.

    Raises:
        ValueError: for an unknown experiment.
    """
    if experiment not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {experiment!r}; choose one of {', '.join(EXPERIMENTS)}")
    paper, ci = get_spec(experiment, "paper"), get_spec(experiment, "ci")
    return _experiment_rows(paper, ci) + _wgan_rows(paper, ci)


def open_choices(experiment: str) -> dict[str, str]:
    """Each choice the paper leaves open for ``experiment``, in words, keyed by topic.

    These are the notes of the paper-scale spec, the shared optimizer note where WGAN runs, and the
    CI-scale note.
    """
    paper = get_spec(experiment, "paper")
    notes = dict(paper.notes)
    if any(m.kind == "wgan" for m in paper.methods):
        notes.setdefault("optimizer", COMMON_NOTES["optimizer"])
    notes["CI scale"] = get_spec(experiment, "ci").notes.get("scale", "the same as the paper scale")
    return notes


def open_choices_markdown(experiment: str, skip_same_as: str | None = None) -> str:
    """:func:`open_choices` as a Markdown bullet list, one topic per line.

    Args:
        experiment: the experiment whose choices are listed.
        skip_same_as: another experiment; topics whose text is the same there are left out.
    """
    skip = open_choices(skip_same_as) if skip_same_as is not None else {}
    items = [(topic, text) for topic, text in open_choices(experiment).items() if skip.get(topic) != text]
    return "\n".join(f"- *{topic}*: {text}" for topic, text in items)


def markdown_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Render a Markdown pipe table, escaping ``|`` inside a cell so it cannot split the cell.

    Raises:
        ValueError: if a row has another number of cells than ``header``.
    """
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"row {row!r} has {len(row)} cells, expected {len(header)} like the header")

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header)] + [line(tuple(r)) for r in rows])


def settings_markdown(experiment: str) -> str:
    """Render the settings table of ``experiment`` as Markdown: parameter, paper scale, CI scale, source."""
    rows = [(r.parameter, r.paper, r.ci, r.source) for r in settings_rows(experiment)]
    return markdown_table(("parameter", "paper scale", "CI scale", "source of the paper-scale value"), rows)


def hyperparameter_markdown(experiment: str) -> str:
    """One row per method with its hyperparameters, each cell ``paper / CI`` where the scales differ.

    This is the layout of the paper's appendix Tables 2 to 7 with the CI scale beside each value. Methods
    that run at the paper scale only are marked so, and a last row names the source of each column.
    """
    paper, ci = get_spec(experiment, "paper"), get_spec(experiment, "ci")
    ci_methods = {m.name: m for m in ci.methods}
    header = ("method",) + tuple(words for _, words in METHOD_FIELDS)
    rows = []
    for method in paper.methods:
        ci_method = ci_methods.get(method.name)
        cells = [method.name if ci_method else f"{method.name} (paper scale only)"]
        for field, _ in METHOD_FIELDS:
            if method.kind not in _FIELD_KINDS.get(field, (method.kind,)):
                cells.append("-")
                continue
            paper_text = format_value(_method_value(method, field))
            ci_text = format_value(_method_value(ci_method, field)) if ci_method else paper_text
            cells.append(paper_text if ci_text == paper_text else f"{paper_text} / {ci_text}")
        rows.append(tuple(cells))
    sources = ["source"]
    for field, _ in METHOD_FIELDS:
        kinds = _FIELD_KINDS.get(field)
        used = any(kinds is None or m.kind in kinds for m in paper.methods)
        sources.append(_method_source(paper, field) if used else "-")
    rows.append(tuple(sources))
    return markdown_table(header, rows)


def _mean_std(value: tuple[float, float]) -> str:
    mean, std = value
    return f"{mean:.2f} ({std:.2f})"


def table1_markdown() -> str:
    """The paper's Table 1 (mean and standard deviation of d(A, A*) per noise variance) as Markdown."""
    from mmdlib.experiments.verdicts import PAPER_TABLE_1

    noises = sorted(PAPER_TABLE_1)
    methods = list(dict.fromkeys(name for row in PAPER_TABLE_1.values() for name in row))
    rows = [(name,) + tuple(_mean_std(PAPER_TABLE_1[v][name]) for v in noises) for name in methods]
    return markdown_table(("method",) + tuple(f"sigma_w^2 = {v:g}" for v in noises), rows)


def table8_markdown() -> str:
    """The paper's Table 8 with each set-up's hyperparameters from the paper-scale unmixing spec.

    Rows are the starting points (Random, VCA) and the set-ups MMD 1 to 6 and WGAN 1 to 6 of Table 7;
    cells are "mean (standard deviation)" of d(A, A*) over 50 trials, as printed in the paper.
    """
    from mmdlib.experiments.verdicts import PAPER_TABLE_8

    spec = get_spec("unmixing", "paper")
    noises = sorted(PAPER_TABLE_8)
    names = list(PAPER_TABLE_8[noises[0]])
    rows = []
    for name in names:
        try:
            method = spec.method(name)
        except KeyError:
            setup = "starting point"
        else:
            setup = (f"lr {method.lr:g}, sigma2 {method.sigma2:g}" if method.kind == "mmd"
                     else f"lr {method.lr:g}, {method.critic_layers} linear maps")
        rows.append((name, setup) + tuple(_mean_std(PAPER_TABLE_8[v][name]) for v in noises))
    return markdown_table(("set-up", "hyperparameters") + tuple(f"sigma_w^2 = {v:g}" for v in noises), rows)


def error_table_markdown(data: dict, paper: dict[float, dict[str, tuple[float, float]]] | None = None) -> str:
    """Mean (sample standard deviation) of each method's errors per noise variance, from a results dict.

    Args:
        data: a validated unmixing results dict.
        paper: optional printed values ``{sigma_w2: {method: (mean, std)}}``; when given, each cell also
            shows the paper's value for the same set-up after a slash ("-" where the paper has none).
    """
    from mmdlib.experiments.verdicts import error_summary, methods, x_values

    noises = x_values(data, "sigma_w2")
    rows = []
    for name in methods(data):
        cells = [name]
        for label, noise in noises.items():
            summary = error_summary(data, label, name)
            text = f"{summary.mean:.2f} ({summary.std:.2f})" if summary.finite else "no finite error"
            if paper is not None:
                printed = paper.get(float(noise), {}).get(name)
                text += " / " + (_mean_std(printed) if printed else "-")
            cells.append(text)
        rows.append(tuple(cells))
    suffix = " (book / paper)" if paper is not None else ""
    return markdown_table(("method",) + tuple(f"sigma_w^2 = {v:g}{suffix}" for v in noises.values()), rows)
