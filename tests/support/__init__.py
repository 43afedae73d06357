"""Helpers shared by the tests and bench/: inboxes of many invoices (bulk.py), the official
Schematron oracle and the VEFA cases (oracle.py), serving test servers (servers.py).
"""
