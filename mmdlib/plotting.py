"""Shared figure conventions: one colour per method and per stationary-point kind, used by every chapter."""

from __future__ import annotations

METHOD_COLORS: dict[str, str] = {
    "mmd": "#1f77b4",
    "one_sided_mmd": "#2ca02c",
    "mle": "#d62728",
    "wgan": "#9467bd",
    "vca": "#8c564b",
}

METHOD_LABELS: dict[str, str] = {
    "mmd": "MMD",
    "one_sided_mmd": "one-sided MMD",
    "mle": "MLE",
    "wgan": "WGAN",
    "vca": "VCA",
}

KIND_STYLES: dict[str, dict[str, str]] = {
    "minimum": {"color": "#2ca02c", "marker": "o", "label": "minimum"},
    "strict saddle": {"color": "#ff7f0e", "marker": "X", "label": "strict saddle"},
    "maximum": {"color": "#d62728", "marker": "^", "label": "maximum"},
    "degenerate": {"color": "#7f7f7f", "marker": "s", "label": "degenerate"},
}

TRUTH_STYLE: dict[str, object] = {"color": "black", "marker": "*", "s": 160, "label": "truth"}
