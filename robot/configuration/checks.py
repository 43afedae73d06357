"""Everything ``check-config`` verifies, as data: a list of errors (file:line: message) and notes.

- the robot configuration and each connector's settings;
- customers (criteria: unknown keys and bad values; rule codes that no registered rule has),
  vendors and purchase orders;
- ``schedules.yaml`` when configured;
- with ``probe``: each connector's ``probe()`` (reachability, auth) where it has one.
"""

from __future__ import annotations

from pathlib import Path

from robot.configuration.settings import LoadedConfig, load_config
from robot.errors import ConfigError, ConfigErrors


def locate(path: Path, loc: tuple[str | int, ...], *, key: bool = False) -> int | None:
    """The line of ``loc`` in a YAML file (for errors found after loading)."""
    import yaml

    from robot.configuration.yamlconf import line_of

    node = yaml.compose(path.read_text(encoding="utf-8"))
    return line_of(node, loc, key=key) if node is not None else None


def _errors_of(exc: ConfigError) -> list[str]:
    if isinstance(exc, ConfigErrors):
        return [str(e) for e in exc.errors]
    return [str(exc)]


def check_all(path: Path, *, probe: bool = False) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    notes: list[str] = []
    try:
        loaded = load_config(path)
    except ConfigError as exc:
        return _errors_of(exc), notes
    notes.append(f"{path}: configuration valid")
    errors += _check_master(loaded, notes)
    if loaded.cfg.schedules is not None:
        errors += _check_schedules(loaded, notes)
    if loaded.cfg.pdf_templates:
        errors += _check_pdf_templates(loaded, notes)
    if loaded.cfg.official_rules is not None:
        errors += _check_official_rules(loaded, notes, compile_them=probe)
    if probe:
        errors += _probe(loaded, notes)
    return errors, notes


def _check_master(loaded: LoadedConfig, notes: list[str]) -> list[str]:
    from classifiers.engine import load_rules
    from robot.configuration.masterdata import load_customers, load_orders, load_vendors

    errors: list[str] = []
    cfg = loaded.cfg
    customers_path = loaded.file(cfg.customers)
    assert customers_path is not None
    try:
        customers = load_customers(customers_path)
        registry = load_rules()
        for i, customer in enumerate(customers.customers):
            for code in customer.criteria.rules:
                if code not in registry:
                    line = locate(customers_path, ("customers", i, "criteria", "rules", code), key=True)
                    errors.append(
                        str(
                            ConfigError(
                                f"customer {customer.id!r}: unknown rule code {code!r}; "
                                f"registered rules: {', '.join(registry.codes())}",
                                file=str(customers_path),
                                line=line,
                            )
                        )
                    )
        notes.append(f"{customers_path}: {len(customers.customers)} customers")
    except ConfigError as exc:
        errors += _errors_of(exc)
    for what, rel, loader in (("vendors", cfg.vendors, load_vendors), ("orders", cfg.orders, load_orders)):
        file = loaded.file(rel)
        if file is None:
            continue
        try:
            items = loader(file)
            notes.append(f"{file}: {len(items)} {what}")
        except ConfigError as exc:
            errors += _errors_of(exc)
    return errors


def _check_schedules(loaded: LoadedConfig, notes: list[str]) -> list[str]:
    try:
        from robot.scheduling.schedules import load_schedules
    except ImportError:
        return []
    file = loaded.file(loaded.cfg.schedules)
    assert file is not None
    try:
        schedules = load_schedules(file)
        notes.append(f"{file}: {len(schedules.schedules)} schedules")
        return []
    except ConfigError as exc:
        return _errors_of(exc)


def _check_pdf_templates(loaded: LoadedConfig, notes: list[str]) -> list[str]:
    """The PDF templates: a missing folder or a refused template is an error (exit 2), so the
    configuration is not taken for sound; parse, validate and run skip a refused template and read
    every other document. Keys ignored as invoice2data ignores them are notes (warnings)."""
    try:
        templates = loaded.pdf_templates()
    except ConfigError as exc:
        return _errors_of(exc)
    if templates is None:
        return []
    folders = ", ".join(str(loaded.base_dir / p) for p in loaded.cfg.pdf_templates)
    refused = len(templates.problems)
    notes.append(
        f"{folders}: {len(templates)} PDF templates"
        + (f"; {refused} refused (parse, validate and run skip them and read the rest)" if refused else "")
    )
    notes += [f"warning: {w}" for w in templates.warnings]
    return [f"PDF template refused: {p}" for p in templates.problems]


def _check_official_rules(loaded: LoadedConfig, notes: list[str], *, compile_them: bool) -> list[str]:
    """The official artefacts: the folder must hold one artefact per rule set, and saxonche must be
    installed to run them; each loaded one is named with its version (with ``--probe``, compiled)."""
    from robot.processing.official.runner import saxon_available

    try:
        official = loaded.official_rules()
    except ConfigError as exc:
        return _errors_of(exc)
    assert official is not None
    if not saxon_available():
        return [f"{official.folder}: official_rules needs saxonche: pip install 'fakturarobot[official]'"]
    notes.append(f"{official.folder}: {len(official.artefacts)} official artefacts")
    notes += [f"official rules: {line}" for line in official.versions()]
    notes += [f"official rules: ignored {why}" for why in official.ignored]
    notes += [f"official rules: {gap}" for gap in official.gaps()]
    if compile_them:
        try:
            official.compile_all()
        except Exception as exc:
            return [f"{official.folder}: an official artefact does not compile: {type(exc).__name__}: {exc}"]
        notes.append(f"{official.folder}: every official artefact compiled")
    return []


def _probe(loaded: LoadedConfig, notes: list[str]) -> list[str]:
    from connectors.registry import CONTRACTS

    errors: list[str] = []
    for role in CONTRACTS:
        try:
            with loaded.build(role) as connector:
                said = connector.probe()
                notes.append(f"{role} {connector.name}: {'nothing to probe' if said is None else said}")
        except Exception as exc:
            errors.append(f"{role}: probe failed: {type(exc).__name__}: {exc}")
    return errors
