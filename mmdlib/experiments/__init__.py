"""Section 4 experiments: settings at two scales, a runner batched over repeats, success criteria, results files."""

EXPERIMENTS = ("mean", "mixture_mean", "covariance", "mixture_covariance", "covariance_eps", "unmixing")
