"""Tests of the creditor console (robot/web): one module per page, the fixtures in conftest.py."""
