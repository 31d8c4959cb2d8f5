"""Counter-based random numbers, so that a batch of repeats draws exactly what each repeat draws alone.

A draw is a pure function of (repeat key, stream, element index): a 32-bit integer hash
(Chris Wellons' "lowbias32" mixer) turns the triple into uniform bits, and Box-Muller turns pairs of
uniforms into normals. Each repeat therefore gets its own stream whatever the batch around it, with no
Python loop over repeats and the same numbers on the CPU and on CUDA. All integer work stays in int64
with products below 2**63, so nothing relies on signed overflow.
"""

from __future__ import annotations

import math

import torch

_MASK32 = 0xFFFFFFFF
_C1 = 0x7FEB352D
_C2 = 0x846CA68B
# Streams at or above this offset are set-up draws (truth, data, initial values); below it, training steps.
SETUP_STREAM = 1 << 31


def _mul32(x: torch.Tensor | int, c: int) -> torch.Tensor | int:
    """(x * c) mod 2**32 for 0 <= x < 2**32, split in 16-bit halves of c so no product reaches 2**63."""
    lo, hi = c & 0xFFFF, c >> 16
    return (x * lo + (((x * hi) & 0xFFFF) << 16)) & _MASK32


def mix32(x: torch.Tensor | int) -> torch.Tensor | int:
    """Bijective 32-bit integer hash ("lowbias32") on int64 tensors or Python ints in [0, 2**32)."""
    x = x ^ (x >> 16)
    x = _mul32(x, _C1)
    x = x ^ (x >> 15)
    x = _mul32(x, _C2)
    return x ^ (x >> 16)


def derive_key(*parts: int) -> int:
    """Hash a tuple of non-negative integers (base seed, setting, method, repeat, ...) to a 32-bit key."""
    key = 0x6A09E667
    for part in parts:
        if part < 0:
            raise ValueError(f"key parts must be non-negative integers, got {parts}")
        key = mix32(key ^ mix32(part & _MASK32))
        key = mix32(key ^ (part >> 32) & _MASK32)
    return int(key)


class CounterNoise:
    """Source of uniform and normal draws for R repeats, each a function of its own key only.

    Every call uses a fresh sub-stream of ``stream``, so two calls inside one step differ, and a step's
    draws do not depend on how many draws earlier steps made.

    Args:
        keys: int64 tensor ``(R,)`` of 32-bit repeat keys from :func:`derive_key`.
        stream: non-negative integer below 2**32 naming the step or set-up stage.
        dtype: float dtype of the returned draws.
    """

    def __init__(self, keys: torch.Tensor, stream: int, dtype: torch.dtype = torch.float32) -> None:
        if keys.dtype != torch.int64 or keys.dim() != 1:
            raise TypeError(f"keys must be a 1-d int64 tensor, got dtype {keys.dtype} and shape {tuple(keys.shape)}")
        if not 0 <= stream <= _MASK32:
            raise ValueError(f"stream must lie in [0, 2**32), got {stream}")
        self.keys = keys
        self.stream = stream
        self.dtype = dtype
        self._calls = 0

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """The leading repeat shape ``(R,)`` of every draw."""
        return (self.keys.shape[0],)

    def _bits(self, numel: int) -> torch.Tensor:
        sub = mix32((self.stream * 0x9E37 + self._calls * 0x85EB) & _MASK32) ^ self._calls
        self._calls += 1
        base = mix32(mix32(self.keys ^ self.stream) ^ sub)  # (R,)
        idx = torch.arange(numel, dtype=torch.int64, device=self.keys.device)
        return mix32(mix32(idx)[None, :] ^ base[:, None])  # (R, numel)

    def uniform(self, *shape: int) -> torch.Tensor:
        """Uniform draws on the open interval (0, 1), shape ``(R, *shape)``."""
        numel = math.prod(shape)
        u = (self._bits(numel).double() + 0.5) / 2.0**32
        return u.reshape(-1, *shape).to(self.dtype)

    def normal(self, *shape: int) -> torch.Tensor:
        """Standard normal draws by Box-Muller, shape ``(R, *shape)``."""
        numel = math.prod(shape)
        bits = self._bits(2 * numel)
        u1 = (bits[:, :numel].double() + 0.5) / 2.0**32
        u2 = (bits[:, numel:].double() + 0.5) / 2.0**32
        z = torch.sqrt(-2.0 * torch.log(u1)) * torch.cos(2.0 * math.pi * u2)
        return z.reshape(-1, *shape).to(self.dtype)


class GeneratorNoise:
    """Source of draws from a :class:`torch.Generator`, with the same interface as :class:`CounterNoise`.

    Args:
        generator: the torch.Generator to draw from.
        batch_shape: leading shape of every draw, e.g. ``(R,)`` or ``()``.
        dtype, device: of the returned draws.
    """

    def __init__(
        self,
        generator: torch.Generator,
        batch_shape: tuple[int, ...] = (),
        dtype: torch.dtype = torch.float32,
        device: torch.device | str = "cpu",
    ) -> None:
        if not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        self.generator = generator
        self.batch_shape = tuple(batch_shape)
        self.dtype = dtype
        self.device = torch.device(device)

    def uniform(self, *shape: int) -> torch.Tensor:
        """Uniform draws on [0, 1), shape ``(*batch_shape, *shape)``."""
        u = torch.rand(*self.batch_shape, *shape, generator=self.generator, dtype=torch.float64, device=self.device)
        return u.clamp_min(2.0**-53).to(self.dtype)

    def normal(self, *shape: int) -> torch.Tensor:
        """Standard normal draws, shape ``(*batch_shape, *shape)``."""
        return torch.randn(
            *self.batch_shape, *shape, generator=self.generator, dtype=self.dtype, device=self.device
        )
