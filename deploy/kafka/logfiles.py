"""Reading a broker's log file: its last lines, and following it as it grows (``tail -n`` / ``tail -f``)."""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["follow", "tail"]

_BLOCK = 64 * 1024


def tail(path: Path, lines: int) -> str:
    """The last ``lines`` lines of ``path`` ("" when it does not exist), read from the end of the file."""
    if lines <= 0:
        return ""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return ""
    with handle:
        end = handle.seek(0, 2)
        position, chunk = end, b""
        while position > 0 and chunk.count(b"\n") <= lines:
            step = min(_BLOCK, position)
            position -= step
            handle.seek(position)
            chunk = handle.read(step) + chunk
    text = chunk.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def follow(path: Path, write: Callable[[str], None], poll_seconds: float = 0.5) -> None:
    """Write whatever is appended to ``path`` from now on, until interrupted; restart if it is truncated."""
    position = path.stat().st_size if path.exists() else 0
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while True:
        size = path.stat().st_size if path.exists() else 0
        if size < position:
            position = 0
        if size > position:
            with path.open("rb") as handle:
                handle.seek(position)
                data = handle.read(size - position)
            position = size
            write(decoder.decode(data))
        time.sleep(poll_seconds)
