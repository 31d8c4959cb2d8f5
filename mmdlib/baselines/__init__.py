"""Baselines that Alon, Globerson and Wiesel (2021) compare MMD with: the WGAN critic and its training step (MLE is in mmdlib.objectives)."""
