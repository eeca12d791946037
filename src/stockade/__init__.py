"""Stockade: an edge security gateway with a trust & safety desk built in."""

__version__ = "0.1.0"

__all__ = ["__version__"]
