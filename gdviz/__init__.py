"""gdviz: see how batch size shapes gradient descent."""

__version__ = "0.1.0"
