"""The scenario YAML: parsed values plus, for every path, its line and raw scalar text.

Paths are written ``rules.band.upper`` and ``criteria[0].weight``; the raw text lets region codes
such as ``09`` or ``07`` be read exactly as typed (YAML 1.1 would turn ``07`` into the octal 7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from optimizer.errors import Message, tr
from optimizer.limits import (
    MAX_NUMBER_CHARS,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    YAML_ALIASES_ALLOWED,
)

_PARENT = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


class YamlError(Exception):
    """The YAML text cannot be parsed; ``line`` is 1-based when known."""

    def __init__(self, message: str | Message, line: int | None) -> None:
        super().__init__(message)
        self.message = str(message)
        """The English text (``args[0]`` keeps the :class:`Message` to translate)."""
        self.line = line


def parent_path(path: str) -> str:
    """``rules.band.upper`` -> ``rules.band``; ``criteria[0]`` -> ``criteria``."""
    return _PARENT.sub("", path) if _PARENT.search(path) else ""


def key_of(path: str) -> str:
    """The scenario location key of a YAML path: ``criteria[0].weight`` -> ``criteria/0/weight``."""
    return path.replace("[", "/").replace("]", "").replace(".", "/")


@dataclass
class YamlDoc:
    """A parsed YAML document with line numbers and raw scalars by path."""

    name: str
    data: object
    lines: dict[str, int] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)

    def line(self, path: str) -> int | None:
        """Line of ``path``, or of its nearest ancestor present in the file."""
        # Stop before the root: "line 1" for a key that is not in the file would mislead.
        while path:
            if path in self.lines:
                return self.lines[path]
            path = parent_path(path)
        return None

    def where(self, path: str) -> str:
        """Human location: ``scenario.yaml: rules.band.upper (line 42)``."""
        line = self.line(path)
        if not path:
            return f"{self.name} line {line}" if line else self.name
        return f"{self.name}: {path} (line {line})" if line else f"{self.name}: {path}"


def _index(doc: YamlDoc, node: yaml.Node, path: str) -> None:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                doc.duplicates.append(child)
            seen.add(key)
            # The key's own line, since a nested mapping's value starts on the next line.
            doc.lines.setdefault(child, key_node.start_mark.line + 1)
            _index(doc, value_node, child)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _index(doc, item, f"{path}[{position}]")
    elif isinstance(node, yaml.ScalarNode):
        doc.raw[path] = str(node.value)


_STR_TAG = "tag:yaml.org,2002:str"
_NUMBER_TAGS = frozenset(("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"))
# PyYAML's stubs type the C and the pure-Python parser's events and marks apart; both loaders are
# driven through the same calls here, so they are handled untyped.
_Loader = Any


def _at(mark: Any) -> tuple[str | Message, int | None]:
    if mark is None:
        return "", None
    where = tr(" at line {line}, column {column}", line=mark.line + 1, column=mark.column + 1)
    return where, mark.line + 1


def _attach(stack: list[tuple[yaml.Node, list[yaml.Node]]], node: yaml.Node) -> yaml.Node | None:
    """Add a finished node to the open list or mapping; the node itself when it is the root."""
    if not stack:
        return node
    parent, pending = stack[-1]
    if isinstance(parent, yaml.SequenceNode):
        parent.value.append(node)
    elif pending:
        parent.value.append((pending.pop(), node))
    else:
        pending.append(node)
    return None


def _compose(loader: _Loader) -> yaml.Node | None:
    """The single document's node tree, built from the event stream without recursion.

    PyYAML's composer recurses once per nesting level and expands every alias, so 999 nested
    lists overflow the stack and six levels of ten aliases build a million nodes. Here aliases are
    refused, and depth and node count are checked per event, before anything grows.

    Raises
    ------
    YamlError
        An alias, too deep a nesting, too many nodes, or more than one document.
    yaml.YAMLError
        The text is not YAML (from the parser).
    """
    loader.get_event()  # StreamStartEvent
    if loader.check_event(yaml.StreamEndEvent):
        loader.get_event()
        return None
    loader.get_event()  # DocumentStartEvent
    stack: list[tuple[yaml.Node, list[yaml.Node]]] = []
    root: yaml.Node | None = None
    nodes = 0
    while root is None:
        event: Any = loader.get_event()
        start: Any = event.start_mark
        end: Any = event.end_mark
        where, line = _at(start)
        if isinstance(event, yaml.AliasEvent) and not YAML_ALIASES_ALLOWED:
            message = tr(
                "YAML aliases are not supported{where} (*{anchor}): write the value out in full",
                where=where,
                anchor=event.anchor,
            )
            raise YamlError(message, line)
        nodes += 1
        if nodes > MAX_YAML_NODES:
            message = tr(
                "the YAML holds more than {MAX_YAML_NODES} values (stopped{where}): a scenario needs far fewer; put long lists in a CSV file",
                MAX_YAML_NODES=f"{MAX_YAML_NODES:,}",
                where=where,
            )
            raise YamlError(message, line)
        if isinstance(event, yaml.ScalarEvent):
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            # A number too long to be real is kept as text, so that the reader reports it at
            # its key (int() refuses 4,300 digits and more with a bare ValueError).
            if tag in _NUMBER_TAGS and len(event.value) > MAX_NUMBER_CHARS:
                tag = _STR_TAG
            scalar = yaml.ScalarNode(tag, event.value, start, end, style=event.style)
            root = _attach(stack, scalar)
        elif isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            if len(stack) >= MAX_YAML_DEPTH:
                message = tr(
                    "the YAML is nested more than {MAX_YAML_DEPTH} levels deep{where}: a "
                    "scenario needs at most 11",
                    MAX_YAML_DEPTH=MAX_YAML_DEPTH,
                    where=where,
                )
                raise YamlError(message, line)
            kind = (
                yaml.SequenceNode
                if isinstance(event, yaml.SequenceStartEvent)
                else yaml.MappingNode
            )
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(kind, None, event.implicit)
            stack.append((kind(tag, [], start, None, flow_style=event.flow_style), []))
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            node, _ = stack.pop()
            node.end_mark = end
            root = _attach(stack, node)
        elif isinstance(event, yaml.AliasEvent):  # pragma: no cover - aliases are refused
            message = tr("YAML alias{where} cannot be read", where=where)
            raise YamlError(message, line)
    loader.get_event()  # DocumentEndEvent
    if not loader.check_event(yaml.StreamEndEvent):
        event = loader.get_event()
        where, line = _at(event.start_mark)
        message = tr(
            "the file holds more than one YAML document (another starts{where}): keep one and remove the '---' line",
            where=where,
        )
        raise YamlError(message, line)
    return root


def parse_yaml(name: str, text: str, loader_class: type[Any] | None = None) -> YamlDoc:
    """Parse one YAML document (safe loader) and index its paths.

    Aliases are refused and nesting and size are bounded (:mod:`optimizer.limits`) with the C and
    the pure-Python parser alike, since the node tree is composed here from the parser's events.
    ``loader_class`` picks one (``yaml.CSafeLoader`` or ``yaml.SafeLoader``); by default libyaml's
    when PyYAML has it.

    Raises
    ------
    YamlError
        Malformed YAML, several documents, an empty document, an alias, or too deep or too large
        a document.
    """
    # libyaml's parser (when PyYAML has it) is about ten times faster and keeps the marks that
    # locate problems; the pure-Python one gives the same events.
    default: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = (loader_class or default)(text)
    try:
        node = _compose(loader)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where, line = _at(mark)
        # PyYAML's own words ("did not find expected ','") stay as it writes them.
        what = exc.problem or exc.context or tr("cannot be parsed")
        message = tr("malformed YAML{where}: {what}", where=where, what=what)
        raise YamlError(message, line) from None
    except yaml.YAMLError as exc:
        message = tr("malformed YAML: {exc}", exc=exc)
        raise YamlError(message, None) from None
    finally:
        loader.dispose()
    if node is None:
        message = tr("the file is empty (it holds no YAML content)")
        raise YamlError(message, None)
    doc = YamlDoc(name=name, data=data)
    _index(doc, node, "")
    return doc
