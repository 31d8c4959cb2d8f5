"""Closed-form population MMD^2 and kernel means for Gaussian models, all from Lemma 4."""

from mmdlib.closed_form.lemma4 import gaussian_rbf_expectation, log_gaussian_rbf_expectation
from mmdlib.closed_form.mixture import GaussianMixture, mixture_mmd2
from mmdlib.closed_form.population import (
    gaussian_mean,
    gaussian_mean_model,
    gaussian_rank_one,
    mixture_mean,
    mixture_mean_model,
    mixture_rank_one,
    mixture_rank_one_model,
    rank_one_model,
)

__all__ = [
    "GaussianMixture",
    "gaussian_mean",
    "gaussian_mean_model",
    "gaussian_rank_one",
    "gaussian_rbf_expectation",
    "log_gaussian_rbf_expectation",
    "mixture_mean",
    "mixture_mean_model",
    "mixture_mmd2",
    "mixture_rank_one",
    "mixture_rank_one_model",
    "rank_one_model",
]
