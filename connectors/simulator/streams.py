"""Named random streams: every draw of the simulator comes from one of these.

A stream is ``random.Random`` seeded with a string (hashed with SHA-512 by the standard library, so the same
name gives the same draws on every platform and run, whatever ``PYTHONHASHSEED``). Each purpose — a unit's
day, a messy part, a province's unit sizes — has its own name, so changing one part of a run leaves the
draws of the others as they were.
"""

from __future__ import annotations

import random

__all__ = ["stream"]


def stream(*parts: object) -> random.Random:
    """The random stream named by ``parts`` (joined with ``:``)."""
    return random.Random(":".join(str(part) for part in parts))  # noqa: S311 - simulation draws, not secrets
