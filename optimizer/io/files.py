"""Where scenario files come from: a folder on disk or uploaded bytes, behind one interface.

The loader only ever asks a :class:`FileSource` for the bytes of a relative name, so the same
parser serves ``fsf validate`` (files on disk) and the gRPC service (files in a request).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from optimizer.errors import tr
from optimizer.limits import MAX_FILE_BYTES


class FileProblem(Exception):
    """A named file cannot be read; the message says why in a planner's words."""


class FileSource(Protocol):
    """Reads scenario files by normalised relative name (``data/states.csv``)."""

    def read(self, name: str) -> bytes:
        """Bytes of ``name``; raises :class:`FileProblem` when it cannot be read."""
        ...


def normalise_name(name: str, base: str = "") -> str:
    """Join ``name`` to the folder ``base`` and normalise it, refusing to leave ``base``.

    Raises
    ------
    FileProblem
        ``name`` is absolute or climbs out of the scenario folder (``../x.csv``).
    """
    text = name.strip().replace("\\", "/")
    # A Windows drive ("C:/data") is as absolute as "/data" for our purpose.
    if not text or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        message = tr(
            "the path '{name}' is absolute or empty: name files relative to the scenario folder",
            name=name,
        )
        raise FileProblem(message)
    joined = posixpath.normpath(posixpath.join(base, text)) if base else posixpath.normpath(text)
    inside = posixpath.normpath(base) if base else "."
    escapes = joined == ".." or joined.startswith("../")
    if base and not escapes:
        escapes = not (joined == inside or joined.startswith(inside + "/"))
    if escapes:
        message = tr(
            "the path '{name}' leaves the scenario folder: keep every file inside the folder of the scenario YAML (no '..')",
            name=name,
        )
        raise FileProblem(message)
    return joined


class DirectorySource:
    """Files under one folder on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, name: str) -> bytes:
        """Bytes of ``root/name``; symbolic links may not point outside ``root``.

        Only regular files are read (a named pipe would block, a device never end), and at most
        :data:`~optimizer.limits.MAX_FILE_BYTES` plus one byte, so that the reader can say the
        file is too large without holding all of it.
        """
        path = self.root / name
        try:
            real = path.resolve()
            if not real.is_relative_to(self.root.resolve()):
                message = tr("'{name}' links to a file outside the scenario folder", name=name)
                raise FileProblem(message)
            if path.is_dir():
                message = tr("'{name}' is a folder, not a file", name=name)
                raise FileProblem(message)
            if not path.is_file():
                if not path.exists():
                    raise FileNotFoundError(name)
                message = tr("'{name}' is not a regular file (a pipe, socket or device)", name=name)
                raise FileProblem(message)
            with path.open("rb") as handle:
                return handle.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            message = tr("file '{name}' not found in the scenario folder", name=name)
            raise FileProblem(message) from None
        except RuntimeError:
            # Python 3.11 and 3.12 raise RuntimeError for a loop of symbolic links (later: OSError).
            message = tr(
                "'{name}' is a symbolic link that leads back to itself (a loop)", name=name
            )
            raise FileProblem(message) from None
        except PermissionError:
            message = tr("file '{name}' cannot be read (permission denied)", name=name)
            raise FileProblem(message) from None
        except OSError as exc:
            message = tr(
                "file '{name}' cannot be read ({value})", name=name, value=exc.strerror or exc
            )
            raise FileProblem(message) from None


class MemorySource:
    """Files given as bytes (uploaded with a request), keyed by relative name."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files: dict[str, bytes] = {}
        for key, data in files.items():
            # Names that cannot be normalised can never be referenced safely; drop them.
            try:
                self.files[normalise_name(key)] = data
            except FileProblem:
                continue

    def read(self, name: str) -> bytes:
        """Bytes of the uploaded file ``name``."""
        try:
            return self.files[name]
        except KeyError:
            known = ", ".join(sorted(self.files)) or "none"
            message = tr(
                "file '{name}' was not uploaded (uploaded files: {known})", name=name, known=known
            )
            raise FileProblem(message) from None
