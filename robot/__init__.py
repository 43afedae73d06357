"""fakturarobot: the robot's core (model, readers, store, run, CLI)."""

__version__ = "0.1.0"
