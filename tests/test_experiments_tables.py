"""Tests for the settings tables: values come from the scales, every source is stated, Markdown is well formed."""

import re

import pytest

from mmdlib.experiments import EXPERIMENTS
from mmdlib.experiments.scales import get_spec
from mmdlib.experiments.tables import (
    error_table_markdown,
    format_value,
    hyperparameter_markdown,
    markdown_table,
    open_choices,
    open_choices_markdown,
    settings_markdown,
    settings_rows,
    table1_markdown,
    table8_markdown,
)
from mmdlib.experiments.spec import Setting
from results_factory import make_results


def _cells(markdown: str) -> list[list[str]]:
    lines = markdown.splitlines()
    assert re.fullmatch(r"\|(---\|)+", lines[1]), "second line must be the header rule"
    return [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines[:1] + lines[2:]]


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_settings_rows_read_the_specs(experiment):
    rows = {r.parameter: r for r in settings_rows(experiment)}
    paper, ci = get_spec(experiment, "paper"), get_spec(experiment, "ci")
    assert rows["dimension d"].paper == str(paper.d)
    assert rows["success threshold"].paper == format_value(paper.threshold)
    assert rows["success threshold"].ci == format_value(ci.threshold)
    if experiment in ("mean", "mixture_mean", "covariance", "mixture_covariance"):
        assert rows["values of m"].paper == format_value(tuple(s.m for s in paper.settings))
        assert rows["values of m"].ci == format_value(tuple(s.m for s in ci.settings))


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_source_is_paper_or_a_stated_choice(experiment):
    notes = open_choices(experiment)
    for row in settings_rows(experiment):
        assert row.source.startswith(("paper: ", "book: ")), row
        named = re.findall(r"\*([^*]+)\*", row.source)
        assert all(name in notes for name in named), (row, named)


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_hyperparameter_table_has_each_method(experiment):
    paper, ci = get_spec(experiment, "paper"), get_spec(experiment, "ci")
    cells = _cells(hyperparameter_markdown(experiment))
    header, body = cells[0], cells[1:]
    assert all(len(row) == len(header) for row in body)
    assert body[-1][0] == "source"
    names = [row[0] for row in body[:-1]]
    ci_names = {m.name for m in ci.methods}
    assert names == [m.name if m.name in ci_names else f"{m.name} (paper scale only)" for m in paper.methods]
    lr_column = header.index("learning rate")
    for row, method in zip(body, paper.methods):
        assert row[lr_column].split(" / ")[0] == format_value(method.lr)


def test_hyperparameter_cell_shows_both_scales():
    row = _cells(hyperparameter_markdown("mean"))[1]
    header = _cells(hyperparameter_markdown("mean"))[0]
    paper, ci = get_spec("mean", "paper").method("MMD"), get_spec("mean", "ci").method("MMD")
    assert row[header.index("iterations")] == f"{paper.iterations} / {ci.iterations}"
    assert row[header.index("repeats")] == f"{paper.repeats} / {ci.repeats}"


def test_open_choices_skip_same_as():
    full = open_choices_markdown("mixture_mean").splitlines()
    short = open_choices_markdown("mixture_mean", skip_same_as="mean").splitlines()
    assert len(short) < len(full)
    assert any(line.startswith("- *critic*") for line in short)
    assert not any(line.startswith("- *d*") for line in short)


def test_settings_markdown_is_a_table():
    cells = _cells(settings_markdown("covariance_eps"))
    assert cells[0] == ["parameter", "paper scale", "CI scale", "source of the paper-scale value"]
    assert all(len(row) == 4 for row in cells)


def test_markdown_table_escapes_and_checks_width():
    text = markdown_table(("a", "b"), [("x|y", "z")])
    assert text.splitlines()[2] == "| x\\|y | z |"
    with pytest.raises(ValueError, match="has 1 cells, expected 2"):
        markdown_table(("a", "b"), [("x",)])


def test_format_value():
    assert format_value(0.1) == "0.1"
    assert format_value(1e-5) == "1e-05"
    assert format_value((16, 64)) == "(16, 64)"
    assert format_value(None) == "-"
    assert format_value(True) == "yes"


def test_paper_tables_render_all_cells():
    table8 = _cells(table8_markdown())
    assert len(table8) == 1 + 14
    assert table8[3][:3] == ["MMD 1", "lr 0.01, sigma2 0.01", "0.36 (0.19)"]
    assert table8[-1][:2] == ["WGAN 6", "lr 0.1, 3 linear maps"]
    table1 = _cells(table1_markdown())
    assert table1[0] == ["method", "sigma_w^2 = 0.001", "sigma_w^2 = 0.01", "sigma_w^2 = 0.1"]


def test_error_table_shows_book_and_paper():
    settings = [Setting("sigma_w2=0.01", 100, sigma_w2=0.01), Setting("sigma_w2=0.5", 100, sigma_w2=0.5)]
    errors = {("sigma_w2=0.01", "MMD 1"): [0.1, 0.3], ("sigma_w2=0.5", "MMD 1"): [None, None]}
    data = make_results("unmixing", settings, [("MMD 1", "mmd")], errors, threshold=1.0)
    cells = _cells(error_table_markdown(data, paper={0.01: {"MMD 1": (0.36, 0.19)}}))
    assert cells[0][1] == "sigma_w^2 = 0.01 (book / paper)"
    assert cells[1] == ["MMD 1", "0.20 (0.14) / 0.36 (0.19)", "no finite error / -"]


def test_unknown_experiment_raises():
    with pytest.raises(ValueError, match="unknown experiment 'nope'"):
        settings_rows("nope")
