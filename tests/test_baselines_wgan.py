"""Tests for the batched WGAN critic and its gradient penalty."""

import torch

from mmdlib.baselines.wgan import BatchedCritic, critic_loss, gradient_penalty, hidden_width
from mmdlib.experiments.rng import CounterNoise


def _critic(r=3, d=4, layers=2):
    return BatchedCritic.init(d, layers, CounterNoise(torch.arange(r), 0, torch.float64), torch.float64)


def test_hidden_width_is_next_power_of_two():
    assert [hidden_width(d) for d in (1, 2, 3, 7, 8, 10, 16)] == [2, 4, 4, 8, 16, 16, 32]


def test_batched_critic_matches_per_repeat_network():
    critic = _critic(layers=3)
    x = torch.randn(3, 5, 4, dtype=torch.float64)
    out = critic(x)
    for r in range(3):
        h = x[r]
        for i, (w, b) in enumerate(zip(critic.weights, critic.biases)):
            h = torch.nn.functional.linear(h, w[r].T, b[r])
            h = torch.relu(h) if i < 2 else h
        assert torch.allclose(out[r], h.squeeze(-1))


def test_linear_critic_penalty_is_closed_form():
    critic = _critic(layers=1)
    real, fake = torch.randn(3, 6, 4, dtype=torch.float64), torch.randn(3, 6, 4, dtype=torch.float64)
    u = torch.rand(3, 6, 1, dtype=torch.float64)
    w_norm = critic.weights[0].detach().squeeze(-1).norm(dim=-1)
    assert torch.allclose(gradient_penalty(critic, real, fake, u), (w_norm - 1) ** 2, atol=1e-9)


def test_penalty_gradient_finite_when_critic_gradient_is_zero():
    critic = _critic(layers=2)
    with torch.no_grad():
        critic.weights[0].fill_(-1.0)
        critic.biases[0].fill_(-10.0)  # every hidden unit inactive on the inputs below
    x = torch.rand(3, 6, 4, dtype=torch.float64)
    loss = critic_loss(critic, x, x + 0.1, torch.rand(3, 6, 1, dtype=torch.float64), gp_weight=10.0)
    loss.sum().backward()
    assert torch.allclose(loss, torch.full((3,), 10.0, dtype=torch.float64), atol=1e-9)
    assert all(torch.isfinite(p.grad).all() for p in critic.parameters())


def test_critic_loss_pairs_min_rows():
    critic = _critic()
    real, fake = torch.randn(3, 4, 4, dtype=torch.float64), torch.randn(3, 9, 4, dtype=torch.float64)
    assert critic_loss(critic, real, fake, torch.rand(3, 4, 1, dtype=torch.float64), 10.0).shape == (3,)
