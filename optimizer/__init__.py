"""Allocation optimizer for a federal public-security fund (FASP)."""

__version__ = "0.1.0"
