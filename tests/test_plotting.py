"""plot_landscape_2d draws contours and one legend entry per stationary-point kind."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from mmdlib.landscape import find_stationary_points  # noqa: E402
from mmdlib.plotting import KIND_STYLES, TRUTH_STYLE, plot_landscape_2d  # noqa: E402


def double_well(x: torch.Tensor) -> torch.Tensor:
    return x[..., 0] ** 4 - 2.0 * x[..., 0] ** 2 + x[..., 1] ** 2


def test_points_and_truth_in_legend():
    starts = torch.tensor([[0.8, 0.1], [-1.2, 0.2], [0.1, -0.1]], dtype=torch.float64)
    points = find_stationary_points(double_well, starts, batched=True)
    fig, ax = plt.subplots()
    plot_landscape_2d(ax, double_well, (-2, 2), (-1, 1), points, truth=torch.tensor([1.0, 0.0]), resolution=20)
    labels = sorted(ax.get_legend_handles_labels()[1])
    plt.close(fig)
    assert labels == sorted([KIND_STYLES["minimum"]["label"], KIND_STYLES["strict saddle"]["label"],
                             str(TRUTH_STYLE["label"])])


def test_pointwise_fn_gives_same_contours():
    fig, (left, right) = plt.subplots(1, 2)
    batched = plot_landscape_2d(left, double_well, (-2, 2), (-1, 1), resolution=10)
    pointwise = plot_landscape_2d(right, double_well, (-2, 2), (-1, 1), resolution=10, batched=False)
    plt.close(fig)
    assert list(batched.levels) == list(pointwise.levels)


def test_empty_range_raises():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="xlim must be"):
        plot_landscape_2d(ax, double_well, (1, 1), (-1, 1))
    plt.close(fig)
