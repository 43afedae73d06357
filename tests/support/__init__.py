"""Helpers shared by the tests and bench/: inboxes of many invoices (bulk.py), the official
Schematron oracle and the VEFA cases (oracle.py), serving test servers (servers.py).

Only the tests use the others, among them: the demo folder after a run (demoworld.py), invoices
written straight into the store (storerows.py), PDFs written by hand (handpdf.py) and the URL of
a fixture over SQLite and PostgreSQL (databases.py).
"""
