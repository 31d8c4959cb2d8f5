"""Baselines the paper compares MMD with: the WGAN critic and its training step (MLE is in mmdlib.objectives)."""
