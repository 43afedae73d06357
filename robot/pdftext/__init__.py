"""Printed PDF invoices (no embedded XML): the text layer, read by a per-issuer template.

A :class:`TemplateSet` is loaded from folders of invoice2data-compatible YAML templates
(``pdf_templates`` in the configuration). For a PDF without embedded e-invoice XML the robot takes
the text layer with pdfplumber, tries the templates by priority, and the first one whose keywords
all occur extracts the fields (``extract``), which ``mapping`` turns into an invoice of format
``pdf-text``. Such an invoice is held for a check against the PDF by the ``PDF-TEXT`` rule unless
a customer switches that rule off. Nothing matches → a ReadError that quotes the start of the text,
so the creditor team can write the template.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from robot.configuration.yamlconf import ConfigErrors
from robot.errors import ConfigError, ReadError
from robot.model import Invoice
from robot.pdftext.extract import Template
from robot.pdftext.mapping import to_invoice
from robot.pdftext.textlayer import MAX_PAGES, NoTextLayer, pdf_text

__all__ = ["MAX_PAGES", "NoTextLayer", "Template", "TemplateSet", "pdf_text"]


class TemplateSet:
    """Templates in match order: higher ``priority`` first, then by file name."""

    def __init__(self, templates: Iterable[Template], folders: Sequence[Path] = ()) -> None:
        self.templates = sorted(templates, key=lambda t: (-t.spec.priority, t.name))
        self.folders = tuple(folders)

    @classmethod
    def load(cls, folders: Sequence[Path]) -> TemplateSet:
        """Every ``*.yml``/``*.yaml`` under the folders; all problems reported together."""
        templates: list[Template] = []
        errors: list[ConfigError] = []
        for folder in folders:
            if not folder.is_dir():
                errors.append(ConfigError("PDF template folder not found", file=str(folder)))
                continue
            for path in sorted(p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml")):
                try:
                    templates.append(Template.load(path))
                except ConfigErrors as exc:
                    errors.extend(exc.errors)
                except ConfigError as exc:
                    errors.append(exc)
        if errors:
            raise errors[0] if len(errors) == 1 else ConfigErrors(errors)
        return cls(templates, folders)

    def __len__(self) -> int:
        return len(self.templates)

    def match(self, text: str) -> tuple[Template, str] | None:
        """The first template whose keywords all occur, and the text prepared for it."""
        for template in self.templates:
            prepared = template.prepare(text)
            if template.matches(prepared):
                return template, prepared
        return None

    def read(self, content: bytes, filename: str = "<bytes>") -> Invoice:
        """The invoice printed in a PDF, or a ReadError naming what is missing."""
        text = pdf_text(content, filename)
        found = self.match(text)
        if found is None:
            start = " ".join(text.split())[:160]
            where = ", ".join(str(f) for f in self.folders) or "pdf_templates"
            raise ReadError(
                f"no PDF template matches this invoice ({len(self)} tried); its text begins '{start}'",
                file=filename,
                field="keywords",
                expected=f"a template in {where} whose keywords all occur in the text",
            )
        template, prepared = found
        try:
            return to_invoice(template.extract(prepared), template.name)
        except ReadError as exc:
            raise ReadError(
                f"{exc.reason} (template {template.path.name})",
                file=filename,
                field=exc.field,
                expected=exc.expected,
            ) from None
