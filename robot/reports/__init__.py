"""Figures from the store for ``fakturarobot report`` (issue 14): what came in over a period, what
went straight through, what was returned, held and decided by hand, how long it took, and which
criteria a customer could change. Every figure is an SQL aggregate over the stored invoices, their
findings, error types and events, never a run's counters, so it stays right after resumed or partial
runs.
"""
