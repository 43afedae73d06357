"""The EN 16931 code lists (``BR-CL-*``), generated from the official validation artefacts.

:mod:`classifiers.codelists._data` is written by :mod:`classifiers.codelists.generate` from the
compiled official XSLT (never typed by hand) and committed; :mod:`classifiers.codelists.lookup`
answers from it.
"""
