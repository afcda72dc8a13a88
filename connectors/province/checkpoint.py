"""The backfill's checkpoint: how far into an input file every event is durably on Kafka.

A checkpoint is written only after Kafka acknowledged a whole batch, and atomically (temporary file, fsync,
rename, fsync of the directory), so after a crash it names a point at or before which everything was
published — never after. A re-run continues from there; the batch in flight during the crash is sent again
(with the same event ids, so consumers deduplicate).

It also records the SHA-256 of the bytes it covers: resuming on a file whose beginning changed would skip
the wrong lines, so that is refused. Appending to a finished file is fine: a re-run sends what was added.

The rejects file beside it (JSON Lines, ``{"line", "id", "reason"}``) is kept consistent with it: on resume,
entries past the checkpoint are dropped, since those lines are read — and reported — again.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Checkpoint",
    "default_checkpoint_path",
    "default_rejects_path",
    "read_checkpoint",
    "trim_rejects",
    "write_atomically",
    "write_checkpoint",
]

_VERSION = 1


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Everything up to ``offset`` bytes (``records`` records, ``line`` lines) of ``input`` is handled."""

    input: str
    format: str
    records: int
    line: int
    offset: int
    sha256: str
    published: int
    rejected: int


def default_checkpoint_path(input_path: Path) -> Path:
    """``<input>.checkpoint.json``, next to the input."""
    return input_path.with_name(f"{input_path.name}.checkpoint.json")


def default_rejects_path(input_path: Path) -> Path:
    """``<input>.rejects.jsonl``, next to the input."""
    return input_path.with_name(f"{input_path.name}.rejects.jsonl")


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomically(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` so that a crash leaves either the old or the new file, complete."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def write_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    document: dict[str, Any] = {"version": _VERSION, **asdict(checkpoint)}
    write_atomically(path, (json.dumps(document, indent=2) + "\n").encode())


def read_checkpoint(path: Path) -> Checkpoint | None:
    """The checkpoint at ``path``; None when there is none. ValueError for a file that is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a backfill checkpoint: {exc}") from None
    if not isinstance(document, dict) or document.pop("version", None) != _VERSION:
        raise ValueError(f"{path} is not a backfill checkpoint of version {_VERSION}")
    try:
        return Checkpoint(**document)
    except TypeError:
        raise ValueError(f"{path} is not a backfill checkpoint: unexpected fields") from None


def trim_rejects(path: Path, through_line: int) -> int:
    """Keep the entries of the rejects file up to ``through_line`` (all of them gone for 0); returns how many
    are kept."""
    kept: list[bytes] = []
    if through_line > 0 and path.exists():
        for raw in path.read_bytes().splitlines():
            with contextlib.suppress(ValueError, AttributeError, TypeError):
                if int(json.loads(raw).get("line", 0)) <= through_line:
                    kept.append(raw + b"\n")
    if kept or path.exists():
        write_atomically(path, b"".join(kept))
    return len(kept)
