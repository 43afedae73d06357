"""Load a YAML file into a pydantic model; every error names the file, the line and what is allowed.

The file is composed into YAML nodes first (they carry line marks), then validated with pydantic.
Each pydantic error's ``loc`` path is walked back through the node tree to the line it came from::

    >>> from pydantic import BaseModel, ConfigDict
    >>> class Limits(BaseModel):
    ...     model_config = ConfigDict(extra="forbid")
    ...     limit: int = 0
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "limits.yaml").write_text("# limits\\n\\nlimt: 3\\n", encoding="utf-8")
    >>> load_yaml_model(folder / "limits.yaml", Limits)
    Traceback (most recent call last):
    ...
    robot.errors.ConfigError: /.../limits.yaml:3: unknown key 'limt'; allowed: limit

Several errors in one file are reported together as :class:`ConfigErrors`. A loader may add its own
checks (duplicates, cross-field sums) that point at a ``loc`` path the same way (``checks=``).
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from robot.errors import ConfigError, ConfigErrors

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]
Check = Callable[[M], Iterable[tuple[Loc, str]]]


def read_config_text(path: Path, file: str) -> str:
    """A configuration file's text; :class:`ConfigError` naming ``file`` if it is unreadable or not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror or exc}", file=file) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"file is not UTF-8 text: {exc.reason}", file=file) from None


def load_yaml_model(path: Path, model: type[M], *, checks: Iterable[Check[M]] = ()) -> M:
    """Read ``path`` and validate it as ``model``; raise :class:`ConfigError` naming file and line."""
    file = str(path)
    node, data = compose_yaml(read_config_text(path, file), file)
    if node is None:
        raise ConfigError("file is empty", file=file, line=1)
    return validate_model(node, data, file, model, checks=checks)


def compose_yaml(text: str, file: str, *, fast: bool = False) -> tuple[yaml.Node | None, Any]:
    """The YAML node tree (with line marks) and the data, from one parse of ``text``.

    ``fast`` uses libyaml's C loader when PyYAML has it (``yaml.CSafeLoader``, else the pure-Python
    ``SafeLoader``); both build the same data, the C one about ten times faster.
    """
    loader_class: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if fast else yaml.SafeLoader
    try:
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and "end of stream" in (exc.problem or ""):
            mark = exc.context_mark  # an unclosed quote or bracket: point at where it opened
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise ConfigError(
            f"YAML syntax error: {problem}", file=file, line=mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML syntax error: {exc}", file=file) from None
    return node, data


def validate_model(
    node: yaml.Node, data: Any, file: str, model: type[M], *, checks: Iterable[Check[M]] = ()
) -> M:
    """``data`` (composed from ``node``) validated as ``model``; errors name ``file`` and the line."""
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        errors = [_config_error(err, node, model, file) for err in exc.errors()]
        raise _one_or_many(errors) from None
    problems = [
        ConfigError(_with_hint(msg, node, loc), file=file, line=line_of(node, loc))
        for check in checks
        for loc, msg in check(result)
    ]
    if problems:
        raise _one_or_many(problems)
    return result


def _with_hint(message: str, node: yaml.Node, loc: Loc) -> str:
    if not isinstance(message, TextExpected):
        return message
    hint = unquoted_hint(node, loc, message.found)
    return f"{message}: {hint}" if hint else f"{message}: text expected (found {message.found!r})"


def _one_or_many(errors: list[ConfigError]) -> ConfigError:
    errors.sort(key=lambda e: e.line or 0)
    return errors[0] if len(errors) == 1 else ConfigErrors(errors)


def line_of(node: yaml.Node, loc: Loc, *, key: bool = False) -> int:
    """The 1-based line of the node at ``loc`` (the deepest part of the path that exists).

    With ``key=True`` and a mapping key as the last step, the line of the key itself.
    """
    return int(node_at(node, loc, key=key).start_mark.line) + 1


def node_at(node: yaml.Node, loc: Loc, *, key: bool = False) -> yaml.Node:
    """The node at ``loc`` (the deepest part of the path that exists).

    The key node instead of its value for the last step with ``key=True``, or when pydantic's
    ``[key]`` step follows (a mapping key of the wrong type).
    """
    current = node
    for i, step in enumerate(loc):
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if key_node.value == step or key_node.value == str(step):
                    last = i == len(loc) - 1
                    want_key = (key and last) or (not last and loc[i + 1] == "[key]")
                    current = key_node if want_key else value_node
                    break
            # not a key here: a union/discriminator tag pydantic put in loc; try the next step

        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(step, int)
            and 0 <= step < len(current.value)
        ):
            current = current.value[step]
        else:
            continue  # pydantic adds union/type tags to loc; they have no node
    return current


#: How YAML 1.1 reads an unquoted scalar that is not text (PyYAML's SafeLoader resolvers).
_NOT_TEXT = {
    "tag:yaml.org,2002:int": "the number",
    "tag:yaml.org,2002:float": "the number",
    "tag:yaml.org,2002:bool": "the truth value",
    "tag:yaml.org,2002:timestamp": "the date",
    "tag:yaml.org,2002:null": "null (no value)",
}


def unquoted_hint(node: yaml.Node, loc: Loc, found: object) -> str | None:
    """Why text expected at ``loc`` is not text: an unquoted scalar that YAML read as a number,
    date, truth value or null, and how to write it (``None`` when that is not the cause).

    Identifiers are never guessed back from the number: ``0001234567`` is octal to YAML 1.1
    (342391), ``1234567`` an integer, ``12:30`` a sexagesimal 750; the value must be quoted.
    """
    target = node_at(node, loc)
    if not isinstance(target, yaml.ScalarNode) or target.style is not None or target.tag not in _NOT_TEXT:
        return None
    source = str(target.value)
    if not source:
        return "the value is empty; write it, or leave the key out"
    kind = _NOT_TEXT[target.tag]
    read = kind if found is None else f"{kind} {_shown(found)}"
    quoted = json.dumps(source, ensure_ascii=False)  # a valid YAML double-quoted scalar
    if loc and loc[-1] == "[key]":
        example = f"{quoted}: ..."
    elif loc and isinstance(loc[-1], str):
        example = f"{loc[-1]}: {quoted}"
    else:
        example = quoted
    return f"text expected, but the unquoted {source} is read by YAML as {read}; quote it: {example}"


def _shown(found: object) -> str:
    if isinstance(found, bool):
        return str(found).lower()
    return str(found)


class TextExpected(str):
    """A check's message for a value that must be text; the loader adds :func:`unquoted_hint`.

    ``found`` is the value as YAML read it (pydantic's ``input``).
    """

    found: object

    def __new__(cls, message: str, found: object = None) -> TextExpected:
        self = super().__new__(cls, message)
        self.found = found
        return self


def _config_error(err: Any, node: yaml.Node, model: type[Any], file: str) -> ConfigError:
    loc: Loc = tuple(err["loc"])
    where = ".".join(str(p) for p in loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        message = f"unknown key {loc[-1]!r}" + (f" in {'.'.join(map(str, loc[:-1]))}" if loc[:-1] else "")
        if allowed:
            message += f"; allowed: {', '.join(allowed)}"
        return ConfigError(message, file=file, line=line_of(node, loc, key=True))
    if kind == "missing":
        parent = ".".join(str(p) for p in loc[:-1])
        message = f"missing required key {loc[-1]!r}" + (f" in {parent}" if parent else "")
        return ConfigError(message, file=file, line=line_of(node, loc[:-1]))
    text = str(err["msg"]).removeprefix("Value error, ")
    found = err.get("input")
    hint = unquoted_hint(node, loc, found) if kind == "string_type" else None
    if hint is not None:
        return ConfigError(f"{where}: {hint}", file=file, line=line_of(node, loc))
    shown = f" (found {found!r})" if isinstance(found, str | int | float | bool) or found is None else ""
    return ConfigError(f"{where}: {text}{shown}", file=file, line=line_of(node, loc))


def _allowed_keys(model: type[Any], loc: Loc) -> list[str]:
    """The field names of the model found by walking ``loc`` through the model's annotations."""
    current: Any = model
    for step in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if isinstance(step, str) and step in current.model_fields:
                current = current.model_fields[step].annotation
            continue
        if isinstance(step, int | str):
            current = _item_type(current)
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    """``X | None`` → ``X``."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        return real[0] if len(real) == 1 else tp
    return tp


def _item_type(tp: Any) -> Any:
    """The element type of list/tuple/dict annotations."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (list, tuple, set, frozenset) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return tp
