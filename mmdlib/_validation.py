"""Input checks shared by every public function: each raises with the argument, the value and the fix."""

from __future__ import annotations

import math
import numbers

import torch

FLOAT_DTYPES = (torch.float32, torch.float64)


def check_tensor(name: str, value: object, *, min_dim: int = 0) -> torch.Tensor:
    """Return ``value`` if it is a finite float32/float64 tensor with at least ``min_dim`` dimensions."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(value).__name__}; "
            f"wrap it with torch.as_tensor({name}, dtype=torch.float64)"
        )
    if value.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} must have dtype float32 or float64, got {value.dtype}; convert it with {name}.double()"
        )
    if value.dim() < min_dim:
        raise ValueError(f"{name} must have at least {min_dim} dimension(s), got shape {tuple(value.shape)}")
    if value.device.type != "meta" and not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} contains NaN or infinite values; remove or replace them before the call")
    return value


def check_points(name: str, value: object) -> torch.Tensor:
    """Return a sample tensor of shape ``(..., n, d)`` with n >= 1 and d >= 1."""
    value = check_tensor(name, value, min_dim=2)
    if value.shape[-1] < 1 or value.shape[-2] < 1:
        raise ValueError(f"{name} must have shape (..., n, d) with n >= 1 and d >= 1, got {tuple(value.shape)}")
    return value


def check_vector(name: str, value: object) -> torch.Tensor:
    """Return a parameter tensor of shape ``(..., d)`` with d >= 1."""
    value = check_tensor(name, value, min_dim=1)
    if value.shape[-1] < 1:
        raise ValueError(f"{name} must have shape (..., d) with d >= 1, got {tuple(value.shape)}")
    return value


def check_same_dim(**tensors: torch.Tensor) -> int:
    """Return the common last dimension d of the named tensors, or raise naming the mismatch."""
    dims = {name: t.shape[-1] for name, t in tensors.items()}
    if len(set(dims.values())) > 1:
        listed = ", ".join(f"{name} has d={d}" for name, d in dims.items())
        raise ValueError(f"dimension mismatch: {listed}; all must share the last dimension d")
    return next(iter(dims.values()))


def check_same_device(**tensors: torch.Tensor) -> torch.device:
    """Return the common device of the named tensors, or raise naming where each lives."""
    devices = {name: t.device for name, t in tensors.items()}
    if len(set(devices.values())) > 1:
        listed = ", ".join(f"{name} on {dev}" for name, dev in devices.items())
        raise ValueError(f"tensors are on different devices: {listed}; move them with .to(device) first")
    return next(iter(devices.values()))


def check_broadcast(**shapes: tuple[int, ...]) -> torch.Size:
    """Return the broadcast of the named batch shapes, or raise naming each shape."""
    try:
        return torch.broadcast_shapes(*shapes.values())
    except RuntimeError:
        listed = ", ".join(f"{name} has batch shape {tuple(shape)}" for name, shape in shapes.items())
        raise ValueError(
            f"batch shapes do not broadcast: {listed}; make each leading dimension equal or 1"
        ) from None


def parameter_shape(value: float | torch.Tensor) -> tuple[int, ...]:
    """Return the shape of a scalar parameter such as sigma2 or eps: () for a Python number."""
    return tuple(value.shape) if isinstance(value, torch.Tensor) else ()


def check_parameter_device(name: str, value: float | torch.Tensor, device: torch.device) -> None:
    """Raise if the tensor parameter ``value`` (sigma2, eps) lives on another device than the data."""
    if isinstance(value, torch.Tensor) and value.device != device:
        raise ValueError(
            f"{name} is on {value.device} but the data is on {device}; move it with {name}.to(device) first"
        )


def common_dtype(**tensors: torch.Tensor) -> torch.dtype:
    """Return float64 if any named tensor is float64, else float32."""
    return torch.float64 if any(t.dtype == torch.float64 for t in tensors.values()) else torch.float32


def check_positive(name: str, value: object) -> float | torch.Tensor:
    """Return ``value`` if it is a finite positive number or tensor of positive numbers."""
    return _check_bounded(name, value, strict=True)


def check_nonnegative(name: str, value: object) -> float | torch.Tensor:
    """Return ``value`` if it is a finite number (or tensor) that is zero or positive."""
    return _check_bounded(name, value, strict=False)


def _check_bounded(name: str, value: object, *, strict: bool) -> float | torch.Tensor:
    word = "positive" if strict else "non-negative"
    if isinstance(value, torch.Tensor):
        check_tensor(name, value)
        bad = value <= 0 if strict else value < 0
        if value.device.type != "meta" and bool(bad.any()):
            raise ValueError(f"{name} must be {word}, got {value.min().item()}")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number or a float tensor, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite and {word}, got {value}")
    if (value <= 0) if strict else (value < 0):
        raise ValueError(f"{name} must be {word}, got {value}")
    return value


def check_sigma2(sigma2: object) -> float | torch.Tensor:
    """Return the kernel variance sigma2 of exp(-|x-y|^2 / (2 sigma2)) if it is positive and finite."""
    sigma2 = check_positive("sigma2", sigma2)
    if isinstance(sigma2, torch.Tensor) and (sigma2.device.type == "meta" or sigma2.numel() == 0):
        return sigma2
    tiny = sigma2 if isinstance(sigma2, float) else float(sigma2.detach().min())
    if not math.isfinite(1.0 / (2.0 * tiny)):
        raise ValueError(f"sigma2 must be large enough that 1/(2*sigma2) is finite, got {tiny}")
    return sigma2


def check_sigma2_fits(sigma2: float | torch.Tensor, dtype: torch.dtype) -> None:
    """Raise if sigma2 lies outside the normal range of ``dtype``, the precision the kernel is computed in.

    A sigma2 that underflows, such as 1e-50 with float32 data, turns 0 / (2 sigma2) on the kernel
    diagonal into NaN, and one that overflows makes cov + sigma2 I infinite.
    """
    if isinstance(sigma2, torch.Tensor):
        if sigma2.device.type == "meta" or sigma2.numel() == 0:
            return
        low, high = float(sigma2.detach().min()), float(sigma2.detach().max())
    else:
        low = high = float(sigma2)
    info = torch.finfo(dtype)
    if low < info.tiny or high > info.max:
        value = low if low < info.tiny else high
        raise ValueError(
            f"sigma2 = {value:.3g} is outside the range of {dtype} ({info.tiny:.3g} to {info.max:.3g}) that "
            "the kernel is computed in; pass float64 tensors, or rescale the data and sigma2 together"
        )


def check_integer(name: str, value: object, *, minimum: int) -> int:
    """Return ``value`` as an int if it is an integer no smaller than ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_psd(name: str, cov: torch.Tensor) -> torch.Tensor:
    """Return ``cov`` (..., d, d) if it is symmetric positive semi-definite up to rounding, checked in float64.

    The smallest eigenvalue may be negative by at most 100 machine epsilons of ``cov``'s dtype times the
    largest absolute eigenvalue, which admits rank-deficient matrices such as a a^T rounded in float32.
    """
    check_tensor(name, cov, min_dim=2)
    if cov.shape[-1] != cov.shape[-2]:
        raise ValueError(f"{name} must be square with shape (..., d, d), got {tuple(cov.shape)}")
    if cov.device.type == "meta" or cov.numel() == 0:
        return cov
    c64 = cov.detach().double()
    _check_symmetric(name, c64)
    eigenvalues = torch.linalg.eigvalsh(c64)  # (..., d), ascending
    scale = eigenvalues.abs().amax(dim=-1)
    tolerance = 100.0 * torch.finfo(cov.dtype).eps * scale
    if bool((eigenvalues[..., 0] < -tolerance).any()):
        worst = float(eigenvalues[..., 0].min())
        raise ValueError(
            f"{name} must be positive semi-definite, but it has the eigenvalue {worst:.3g}; "
            f"build it as B @ B.transpose(-2, -1)"
        )
    return cov


def _check_symmetric(name: str, c64: torch.Tensor) -> None:
    scale = c64.abs().amax(dim=(-2, -1)).clamp_min(1e-300)
    asym = (c64 - c64.transpose(-2, -1)).abs().amax(dim=(-2, -1)) / scale
    if bool((asym > 1e-6).any()):
        raise ValueError(
            f"{name} must be symmetric, but |C - C^T| / max|C| = {asym.max().item():.3g}; "
            f"pass (C + C.transpose(-2, -1)) / 2"
        )


def check_spd(name: str, cov: torch.Tensor) -> torch.Tensor:
    """Return ``cov`` (..., d, d) if it is symmetric positive definite, checked in float64."""
    check_tensor(name, cov, min_dim=2)
    if cov.shape[-1] != cov.shape[-2]:
        raise ValueError(f"{name} must be square with shape (..., d, d), got {tuple(cov.shape)}")
    if cov.device.type == "meta":
        return cov
    c64 = cov.detach().double()
    _check_symmetric(name, c64)
    _, info = torch.linalg.cholesky_ex(c64)
    if bool((info != 0).any()):
        raise ValueError(f"{name} must be positive definite, but its Cholesky factorization failed")
    return cov
