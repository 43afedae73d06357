"""The test suite. A package, so tests and bench import their shared helpers as ``tests.support``."""
