"""pyv: a Python interpreter version manager."""

__version__ = "0.1.0"
