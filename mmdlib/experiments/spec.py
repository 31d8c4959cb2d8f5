"""Plain-data description of one experiment at one scale: settings (the x-axis) and methods (the curves)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

METHOD_KINDS = ("mmd", "osmmd", "mle", "wgan")


@dataclass(frozen=True)
class Setting:
    """One point on an experiment's x-axis.

    Attributes:
        label: name used in results files, e.g. ``"m=64"`` or ``"sigma_w2=0.1"``.
        m: number of data points.
        eps: the known eps of the covariance models (unused elsewhere).
        sigma_w2: the noise variance of linear unmixing (unused elsewhere).
    """

    label: str
    m: int
    eps: float = 0.0
    sigma_w2: float = 0.0


@dataclass(frozen=True)
class Method:
    """One training method with its hyperparameters (the paper's appendix Tables 2 to 7).

    Attributes:
        name: label in figures and results, e.g. ``"MMD"`` or ``"WGAN 3"``.
        kind: one of ``"mmd"``, ``"osmmd"``, ``"mle"``, ``"wgan"``.
        lr: Adam learning rate.
        iterations: generator steps.
        repeats: number of independent repeats at each setting.
        sigma2: kernel variance sigma^2 of exp(-|x-y|^2/(2 sigma^2)) for MMD and OSMMD; None otherwise.
        fakes_ratio: n / m, the model samples per step relative to the data size (MMD and WGAN).
        n_fake: fixed number of model samples per step; overrides ``fakes_ratio`` when set.
        critic_layers: linear maps in the WGAN critic (1 = linear critic).
        holdout: choose sigma2 per repeat by hold-out over ``holdout_grid`` instead of using ``sigma2``.
        holdout_grid: candidate kernel variances, powers of ten.
    """

    name: str
    kind: str
    lr: float
    iterations: int
    repeats: int
    sigma2: float | None = None
    fakes_ratio: float = 1.0
    n_fake: int | None = None
    critic_layers: int = 2
    holdout: bool = False
    holdout_grid: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0)

    def __post_init__(self) -> None:
        if self.kind not in METHOD_KINDS:
            raise ValueError(f"method kind must be one of {METHOD_KINDS}, got {self.kind!r}")
        if self.kind in ("mmd", "osmmd") and self.sigma2 is None and not self.holdout:
            raise ValueError(f"method {self.name!r} needs sigma2 or holdout=True")

    def n_samples(self, m: int) -> int:
        """Model samples per step: ``n_fake`` if set, else round(m * fakes_ratio), at least 2."""
        return max(2, self.n_fake if self.n_fake is not None else round(m * self.fakes_ratio))


@dataclass(frozen=True)
class ExperimentSpec:
    """An experiment at one scale.

    Attributes:
        experiment: experiment name (see :data:`mmdlib.experiments.EXPERIMENTS`).
        scale: ``"ci"`` or ``"paper"``.
        d: data dimension.
        settings: the x-axis points; methods: the compared methods.
        threshold: success threshold on the experiment's error (see :mod:`mmdlib.experiments.success`).
        r: number of endmembers (unmixing only).
        init: ``"vca"`` or ``"random"`` (unmixing only); the other experiments start from N(0, I_d).
        notes: each choice the paper leaves open, in words, keyed by topic.
    """

    experiment: str
    scale: str
    d: int
    settings: tuple[Setting, ...]
    methods: tuple[Method, ...]
    threshold: float
    r: int = 0
    init: str = "normal"
    notes: dict[str, str] = field(default_factory=dict)

    def method(self, name: str) -> Method:
        """The method called ``name``."""
        for method in self.methods:
            if method.name == name:
                return method
        raise KeyError(f"experiment {self.experiment!r} has no method {name!r}; it has {[m.name for m in self.methods]}")

    def to_dict(self) -> dict:
        """JSON-ready copy of every field."""
        return asdict(self)
