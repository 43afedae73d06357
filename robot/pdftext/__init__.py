"""Printed PDF invoices (no embedded XML): the text layer, read by a per-issuer template.

A :class:`TemplateSet` is loaded from folders of invoice2data-compatible templates (YAML or JSON,
``pdf_templates`` in the configuration; :mod:`robot.pdftext.loading`: a template that cannot be
used is named and skipped, never blocking the others). For a PDF without embedded e-invoice XML the
robot takes the text layer, tries the templates by priority, and the first one whose keywords
all occur extracts the fields (``extract``), which ``mapping`` turns into an invoice of format
``pdf-text``. Such an invoice is held for a check against the PDF by the ``PDF-TEXT`` rule unless
a customer switches that rule off. Nothing matches → a ReadError that quotes the start of the text,
so the creditor team can write the template.
"""

from __future__ import annotations

from robot.pdftext.extract import Template
from robot.pdftext.loading import TemplateSet
from robot.pdftext.textlayer import MAX_PAGES, NoTextLayer, pdf_text

__all__ = ["MAX_PAGES", "NoTextLayer", "Template", "TemplateSet", "pdf_text"]
