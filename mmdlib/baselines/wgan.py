"""WGAN baseline of section 4: a critic batched over R repeats and the WGAN-GP losses.

The critic f is linear (``layers=1``) for the mean experiments, otherwise a ReLU network with ``layers``
linear maps whose hidden width is the smallest power of two strictly greater than d (16 for d = 10).
Each repeat has its own weights, stored as ``(R, in, out)`` tensors and applied with ``torch.baddbmm``,
so one call evaluates all R critics without a Python loop.

Lipschitz control is the gradient penalty of Gulrajani et al. (2017),
lambda * E (sqrt(|grad_x f(x_hat)|^2 + tiny) - 1)^2 at random interpolates x_hat = u y + (1 - u) x. The
``tiny`` (1e-12) keeps the penalty's own gradient finite when grad_x f is exactly zero, as it is for a
ReLU critic whose units are all inactive at x_hat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from mmdlib._validation import check_integer
from mmdlib.models import NoiseSource

GP_TINY = 1e-12


@dataclass(frozen=True)
class WGANConfig:
    """WGAN-GP settings.

    Attributes:
        layers: number of linear maps in the critic; 1 means a linear critic.
        critic_steps: critic (ascent) steps per generator step; 5 as in Gulrajani et al. (2017).
        gp_weight: the penalty weight lambda; 10 as in Gulrajani et al. (2017).
        betas: Adam's (beta1, beta2) for critic and generator; (0.5, 0.9) as in Gulrajani et al. (2017).
    """

    layers: int = 2
    critic_steps: int = 5
    gp_weight: float = 10.0
    betas: tuple[float, float] = (0.5, 0.9)


def hidden_width(d: int) -> int:
    """Smallest power of two strictly greater than d."""
    check_integer("d", d, minimum=1)
    return 1 << d.bit_length()


class BatchedCritic:
    """R independent critics f_r: R^d -> R, an MLP with ReLU between ``layers`` linear maps.

    Args:
        weights: list of ``(R, in, out)`` tensors; biases: list of ``(R, out)`` tensors.
    """

    def __init__(self, weights: list[torch.Tensor], biases: list[torch.Tensor]) -> None:
        self.weights = weights
        self.biases = biases

    @classmethod
    def init(cls, d: int, layers: int, source: NoiseSource, dtype: torch.dtype) -> BatchedCritic:
        """PyTorch's default nn.Linear initialization, U(-1/sqrt(in), 1/sqrt(in)), drawn from ``source``."""
        check_integer("layers", layers, minimum=1)
        width = hidden_width(d)
        sizes = [d] + [width] * (layers - 1) + [1]
        weights, biases = [], []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = 1.0 / math.sqrt(fan_in)
            weights.append(((2 * source.uniform(fan_in, fan_out) - 1) * bound).to(dtype).requires_grad_(True))
            biases.append(((2 * source.uniform(fan_out) - 1) * bound).to(dtype).requires_grad_(True))
        return cls(weights, biases)

    def parameters(self) -> list[torch.Tensor]:
        """Return all weight and bias tensors, for the critic's optimizer."""
        return [*self.weights, *self.biases]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Critic values ``(R, n)`` at points ``x`` ``(R, n, d)``."""
        h = x
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(b.unsqueeze(-2), h, w)
            if i < last:
                h = torch.relu(h)
        return h.squeeze(-1)


def gradient_penalty(critic: BatchedCritic, real: torch.Tensor, fake: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """Mean of (sqrt(|grad f(x_hat)|^2 + 1e-12) - 1)^2 over interpolates, ``(R,)``.

    Args:
        real: ``(R, k, d)``; fake: ``(R, k, d)`` paired row by row; u: ``(R, k, 1)`` uniform weights.
    """
    x_hat = (u * real + (1 - u) * fake).detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norm = torch.sqrt(grad.pow(2).sum(-1) + GP_TINY)
    return (norm - 1.0).pow(2).mean(-1)


def critic_loss(
    critic: BatchedCritic, real: torch.Tensor, fake: torch.Tensor, u: torch.Tensor, gp_weight: float
) -> torch.Tensor:
    """Critic loss E f(fake) - E f(real) + lambda * penalty, ``(R,)``; minimizing it raises the W1 estimate.

    The penalty pairs the first k = min(n, m) rows of ``real`` ``(R, m, d)`` and ``fake`` ``(R, n, d)``;
    ``u`` is ``(R, k, 1)``.
    """
    k = min(real.shape[-2], fake.shape[-2])
    penalty = gradient_penalty(critic, real[..., :k, :], fake[..., :k, :], u)
    return critic(fake).mean(-1) - critic(real).mean(-1) + gp_weight * penalty


def generator_loss(critic: BatchedCritic, fake: torch.Tensor) -> torch.Tensor:
    """Generator loss -E f(fake), ``(R,)``."""
    return -critic(fake).mean(-1)
