"""Tests for the success-rate and error plots: one colour per method kind, Wilson intervals as error bars."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mmdlib.experiments.spec import Setting  # noqa: E402
from mmdlib.experiments.success import wilson_interval  # noqa: E402
from mmdlib.plotting import (  # noqa: E402
    METHOD_COLORS,
    method_color,
    method_styles,
    plot_error_summary,
    plot_success_rates,
)
from results_factory import counts_to_errors, make_results  # noqa: E402

SETTINGS = [Setting("m=16", 16), Setting("m=64", 64)]
METHODS = [("MMD", "mmd"), ("OSMMD", "osmmd"), ("MLE", "mle"), ("WGAN", "wgan")]
COUNTS = {"MMD": (2, 9), "OSMMD": (3, 10), "MLE": (3, 10), "WGAN": (0, 1)}


@pytest.fixture
def data():
    errors = {(s.label, name): counts_to_errors(COUNTS[name][i], 10) for i, s in enumerate(SETTINGS)
              for name, _ in METHODS}
    return make_results("mean", SETTINGS, METHODS, errors, threshold=0.5)


def test_method_color_maps_kinds():
    assert method_color("osmmd") == METHOD_COLORS["one_sided_mmd"]
    assert method_color("wgan") == METHOD_COLORS["wgan"]
    with pytest.raises(ValueError, match="no colour for method kind 'gan'"):
        method_color("gan")


def test_variants_of_one_kind_share_colour_not_marker():
    methods = [("MMD 1", "mmd"), ("MMD 2", "mmd"), ("WGAN 1", "wgan")]
    errors = {("m=16", name): [0.1] for name, _ in methods}
    styles = method_styles(make_results("unmixing", SETTINGS[:1], methods, errors, threshold=1.0))
    assert styles["MMD 1"]["color"] == styles["MMD 2"]["color"] == METHOD_COLORS["mmd"]
    assert styles["MMD 1"]["marker"] != styles["MMD 2"]["marker"]


def test_success_plot_draws_rates_and_wilson_bars(data):
    fig, ax = plt.subplots()
    plot_success_rates(ax, data, "m", title="t")
    containers = ax.containers
    assert len(containers) == len(METHODS)
    for container, (name, kind) in zip(containers, METHODS):
        line, _, (bars,) = container
        assert matplotlib.colors.same_color(line.get_color(), method_color(kind))
        assert np.allclose(line.get_ydata(), [c / 10 for c in COUNTS[name]])
        segments = bars.get_segments()
        for segment, count in zip(segments, COUNTS[name]):
            low, high = wilson_interval(count, 10)
            assert segment[0][1] == pytest.approx(low)
            assert segment[1][1] == pytest.approx(high)
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [name for name, _ in METHODS]
    plt.close(fig)


def test_error_plot_draws_means_and_paper_markers():
    settings = [Setting("sigma_w2=0.01", 100, sigma_w2=0.01), Setting("sigma_w2=0.1", 100, sigma_w2=0.1)]
    errors = {("sigma_w2=0.01", "MMD 1"): [0.1, 0.3], ("sigma_w2=0.1", "MMD 1"): [1.0, 2.0]}
    data = make_results("unmixing", settings, [("MMD 1", "mmd")], errors, threshold=1.0)
    fig, ax = plt.subplots()
    plot_error_summary(ax, data, "sigma_w2", paper={0.01: {"MMD 1": (0.36, 0.19)}})
    (container,) = ax.containers
    assert np.allclose(container[0].get_ydata(), [0.2, 1.5])
    paper_lines = [line for line in ax.lines if line.get_label() == "_paper MMD 1"]
    assert [list(line.get_ydata()) for line in paper_lines] == [[0.36]]
    plt.close(fig)


def test_log_axis_ticks_at_data_values(data):
    fig, ax = plt.subplots()
    plot_success_rates(ax, data, "m")
    assert list(ax.get_xticks()) == [16.0, 64.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["16", "64"]
    plt.close(fig)
