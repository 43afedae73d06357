"""The console over the empty ``store`` of tests/conftest.py (SQLite and PostgreSQL), with no
configuration: login and sessions, and the rules every route obeys. The fixtures in conftest.py."""
