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

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from robot.configuration.yamlconf import ConfigErrors
from robot.errors import ConfigError, ReadError
from robot.model import Invoice
from robot.pdftext.extract import Template
from robot.pdftext.mapping import to_invoice

__all__ = ["Template", "TemplateSet", "pdf_text"]

MAX_PAGES = 50


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


def pdf_text(content: bytes, filename: str = "<bytes>") -> str:
    """The PDF's text layer, laid out like ``pdftotext -layout``; a scan without text is a ReadError."""
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            pages = pdf.pages[:MAX_PAGES]
            text = "\n".join(page.extract_text(layout=True) or "" for page in pages)
    except Exception as exc:
        raise ReadError(
            f"the PDF's text cannot be extracted ({type(exc).__name__}: {exc})",
            file=filename,
            expected="a readable PDF",
        ) from None
    text = "\n".join(line.rstrip() for line in text.splitlines())
    if not text.strip():
        raise ReadError(
            "the PDF has no text layer (a scanned image?)",
            file=filename,
            expected="a PDF with text, or an e-invoice (OIOUBL, Peppol BIS 3)",
        )
    return text
