"""The scenario YAML: parsed values plus, for every path, its line and raw scalar text.

Paths are written ``rules.band.upper`` and ``criteria[0].weight``; the raw text lets region codes
such as ``09`` or ``07`` be read exactly as typed (YAML 1.1 would turn ``07`` into the octal 7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

_PARENT = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


class YamlError(Exception):
    """The YAML text cannot be parsed; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
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


def parse_yaml(name: str, text: str) -> YamlDoc:
    """Parse one YAML document (safe loader) and index its paths.

    Raises
    ------
    YamlError
        Malformed YAML, several documents, or an empty document.
    """
    # libyaml's loader (when PyYAML has it) is about ten times faster and keeps the marks that
    # locate problems; the pure-Python one gives the same nodes.
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        where = f" at line {line}, column {mark.column + 1}" if mark is not None else ""
        what = exc.problem or exc.context or "cannot be parsed"
        message = f"malformed YAML{where}: {what}"
        raise YamlError(message, line) from None
    except yaml.YAMLError as exc:
        message = f"malformed YAML: {exc}"
        raise YamlError(message, None) from None
    finally:
        loader.dispose()
    if node is None:
        message = "the file is empty (it holds no YAML content)"
        raise YamlError(message, None)
    doc = YamlDoc(name=name, data=data)
    _index(doc, node, "")
    return doc
