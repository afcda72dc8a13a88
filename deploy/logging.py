"""Logging, configured once at the entry point: structlog, JSON in production, console on a TTY.

Personal data is masked by a processor, not by discipline: any string value in a log line that looks like a
personal ID (12 digits), an old ID card number (9 digits) or a Vietnamese phone number is replaced, and keys
that name personal data (``personal_id``, ``name``, ``phone`` …) are replaced whatever their value.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, Final

import structlog

from contracts.privacy import REDACTED

__all__ = ["PERSONAL_KEYS", "configure_logging", "mask_personal_data"]

PERSONAL_KEYS: Final = frozenset(
    {"personal_id", "old_id", "id_number", "name", "full_name", "applicant_name", "phone", "phone_number"}
)
# Digit runs that are not part of a longer number or code: CCCD (12), CMND (9), phone numbers (0 + 9 digits,
# or +84 + 9 digits). Dossier codes (`000.00.20.H56-250612-0007`) and amounts keep their shape.
_PERSONAL_NUMBER = re.compile(r"(?<![\w.\-])(?:\+84\d{9}|0\d{9}|\d{12}|\d{9})(?![\w\-])")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now: a redirected stderr (progress display, tests) is honoured."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return _PERSONAL_NUMBER.sub(REDACTED, value)
    if isinstance(value, Mapping):
        return {key: REDACTED if key in PERSONAL_KEYS else _mask(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(item) for item in value]
    return value


def mask_personal_data(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Mapping[str, Any]:
    """structlog processor: personal data never leaves the process in clear."""
    return {key: REDACTED if key in PERSONAL_KEYS else _mask(value) for key, value in event_dict.items()}


def configure_logging(*, level: str = "INFO", json: bool | None = None) -> None:
    """Configure structlog and the standard library's logging (aiokafka, uvicorn) the same way."""
    render_json = not sys.stderr.isatty() if json is None else json
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_personal_data,
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if render_json
        else structlog.dev.ConsoleRenderer()
    )
    # One path for every line: structlog hands its event dicts to the standard library's handler, which
    # formats them and foreign (aiokafka, uvicorn) records alike.
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiokafka is chatty at INFO about every coordinator change; its warnings still come through.
    logging.getLogger("aiokafka").setLevel(max(root.level, logging.WARNING))
