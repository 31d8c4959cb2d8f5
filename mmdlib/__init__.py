"""mmdlib: kernels, MMD estimators, closed-form MMD landscapes and experiments for the book mmd-landscape."""

__version__ = "0.1.0"
