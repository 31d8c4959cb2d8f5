"""Gaussian mixtures and their exact kernel means, kernel expectations and population MMD^2."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from mmdlib._validation import (
    check_broadcast,
    check_parameter_device,
    check_points,
    check_psd,
    check_same_device,
    check_same_dim,
    check_sigma2,
    check_tensor,
    parameter_shape,
)
from mmdlib.closed_form.lemma4 import log_gaussian_rbf_expectation


@dataclass(frozen=True)
class GaussianMixture:
    """A mixture sum_i w_i N(means_i, covs_i) with parameters batched over leading dimensions.

    Attributes:
        weights: ``(k,)``, non-negative and summing to one.
        means: ``(..., k, d)``.
        covs: ``(..., k, d, d)``, symmetric positive semi-definite (singular allowed).

    Raises:
        TypeError: for non-tensors or integer tensors.
        ValueError: for inconsistent shapes, weights that are negative or do not sum to one, covs that
            are not symmetric positive semi-definite, NaN or infinite values, or tensors on different
            devices.
    """

    weights: torch.Tensor
    means: torch.Tensor
    covs: torch.Tensor

    def __post_init__(self) -> None:
        check_tensor("weights", self.weights, min_dim=1)
        check_tensor("means", self.means, min_dim=2)
        check_tensor("covs", self.covs, min_dim=3)
        k, d = self.weights.shape[-1], self.means.shape[-1]
        if self.weights.dim() != 1 or self.means.shape[-2] != k or self.covs.shape[-3:] != (k, d, d):
            raise ValueError(
                f"expected weights (k,), means (..., k, d) and covs (..., k, d, d), got "
                f"{tuple(self.weights.shape)}, {tuple(self.means.shape)} and {tuple(self.covs.shape)}"
            )
        check_same_device(weights=self.weights, means=self.means, covs=self.covs)
        check_broadcast(means=self.means.shape[:-2], covs=self.covs.shape[:-3])
        if self.weights.device.type != "meta" and (
            bool((self.weights < 0).any()) or abs(float(self.weights.sum()) - 1.0) > 1e-6
        ):
            raise ValueError(f"weights must be non-negative and sum to 1, got {self.weights.tolist()}")
        check_psd("covs", self.covs)

    @property
    def dim(self) -> int:
        """The data dimension d."""
        return self.means.shape[-1]

    def kernel_mean(self, y: torch.Tensor, sigma2: float | torch.Tensor) -> torch.Tensor:
        """Kernel mean embedding E_{X~P} k(X, y_j) = sum_i w_i E_{Z~N(means_i - y_j, covs_i)} exp(-|Z|^2/(2 sigma2)).

        Args:
            y: points ``(..., m, d)``.
            sigma2: kernel variance.

        Returns:
            Tensor ``(..., m)``.
        """
        y = check_points("y", y)
        check_same_dim(means=self.means, y=y)
        check_same_device(means=self.means, y=y)
        sigma2 = check_sigma2(sigma2)
        check_parameter_device("sigma2", sigma2, y.device)
        check_broadcast(mixture=self.means.shape[:-2], y=y.shape[:-2], sigma2=parameter_shape(sigma2))
        diff = self.means.unsqueeze(-2) - y.unsqueeze(-3)  # (..., k, m, d)
        log_terms = log_gaussian_rbf_expectation(diff, self.covs.unsqueeze(-3), _expand2(sigma2))
        log_w = torch.log(self.weights.to(log_terms.dtype))[:, None]  # (k, 1)
        return torch.exp(torch.logsumexp(log_w + log_terms, dim=-2))

    def expected_kernel(self, other: GaussianMixture, sigma2: float | torch.Tensor) -> torch.Tensor:
        """E k(X, Y) for independent X ~ self and Y ~ other, summed component by component with Lemma 4.

        Returns:
            Tensor of the broadcast batch shape ``(...)``.

        Raises:
            TypeError: for an ``other`` that is not a GaussianMixture.
            ValueError: for mismatched d, non-positive or non-finite sigma2, batch shapes that do not
                broadcast, or mixtures on different devices.
        """
        if not isinstance(other, GaussianMixture):
            raise TypeError(f"other must be a GaussianMixture, got {type(other).__name__}")
        check_same_dim(self_means=self.means, other_means=other.means)
        check_same_device(self_means=self.means, other_means=other.means)
        sigma2 = check_sigma2(sigma2)
        check_parameter_device("sigma2", sigma2, self.means.device)
        check_broadcast(
            self_batch=self.means.shape[:-2], other_batch=other.means.shape[:-2], sigma2=parameter_shape(sigma2)
        )
        diff = self.means.unsqueeze(-2) - other.means.unsqueeze(-3)  # (..., k, l, d)
        cov = self.covs.unsqueeze(-3) + other.covs.unsqueeze(-4)  # (..., k, l, d, d)
        log_terms = log_gaussian_rbf_expectation(diff, cov, _expand2(sigma2))
        dtype = log_terms.dtype
        log_w = torch.log(self.weights.to(dtype))[:, None] + torch.log(other.weights.to(dtype))[None, :]
        return torch.exp(torch.logsumexp((log_w + log_terms).flatten(-2), dim=-1))


def _expand2(sigma2: float | torch.Tensor) -> float | torch.Tensor:
    """Give a batched sigma2 two trailing unit dimensions for the component axes."""
    if isinstance(sigma2, torch.Tensor):
        return sigma2[..., None, None]
    return sigma2


def mixture_mmd2(p: GaussianMixture, q: GaussianMixture, sigma2: float | torch.Tensor) -> torch.Tensor:
    """Population MMD^2(P, Q) = E k(X, X') + E k(Y, Y') - 2 E k(X, Y) for two Gaussian mixtures (eq. 1).

    Raises:
        TypeError: for p or q that is not a GaussianMixture.
        ValueError: as :meth:`GaussianMixture.expected_kernel`.
    """
    for name, mixture in (("p", p), ("q", q)):
        if not isinstance(mixture, GaussianMixture):
            raise TypeError(f"{name} must be a GaussianMixture, got {type(mixture).__name__}")
    check_same_device(p_means=p.means, q_means=q.means)
    return p.expected_kernel(p, sigma2) + q.expected_kernel(q, sigma2) - 2.0 * p.expected_kernel(q, sigma2)
