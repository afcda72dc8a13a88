"""Reading a backfill input record by record — JSON Lines or CSV — while counting exactly what was consumed.

A record is a non-blank line of a JSON Lines file (one structured-mode CloudEvent) or a data row of a CSV
file (:mod:`connectors.province.csv_layout`; a quoted cell may span lines). The reader tracks records,
physical lines and bytes consumed, and the SHA-256 of those bytes, which is what a checkpoint records. It
resumes from a checkpoint after checking that the bytes it covers did not change.

A record that cannot even be read (not UTF-8, not JSON, a CSV cell of the wrong kind) is handed on with its
problem instead of an event, so the backfill reports it and goes on.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Literal, Self

from connectors.errors import BackfillInputError
from connectors.province.checkpoint import Checkpoint
from connectors.province.csv_layout import check_header, row_to_event
from contracts import ContractError
from contracts.structured import parse_structured

__all__ = ["Format", "InputFile", "Record"]

Format = Literal["jsonl", "csv"]

_CHUNK = 1 << 20
_MAX_CSV_CELL = 16 << 20  # JSON columns of a large dossier exceed the csv module's 128 KiB default


@dataclass(frozen=True, slots=True)
class Record:
    """One record: the line it starts on, and either the raw event or why it could not be read."""

    line: int
    event: Any = None
    problem: str | None = None


def _has_undecodable(cells: list[str]) -> bool:
    return any("\udc80" <= char <= "\udcff" for cell in cells for char in cell)


class InputFile:
    """One input file, read forward once; use as a context manager."""

    def __init__(self, path: Path, fmt: Format, *, default_source: str) -> None:
        self.path = path
        self.format: Format = fmt
        self.default_source = default_source
        self.records = 0
        self.line = 0
        self.offset = 0
        self._hash = hashlib.sha256()
        self._stream: BinaryIO | None = None
        self._header: list[str] | None = None

    def __enter__(self) -> Self:
        self._stream = self.path.open("rb")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stream is not None:
            self._stream.close()

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def _opened(self) -> BinaryIO:
        if self._stream is None:
            raise RuntimeError("InputFile is used outside its with block")
        return self._stream

    def resume(self, checkpoint: Checkpoint) -> None:
        """Continue after ``checkpoint``; BackfillInputError when it belongs to other bytes or format."""
        stream = self._opened()
        if checkpoint.format != self.format:
            raise BackfillInputError(
                f"{self.path}: its checkpoint was written for format {checkpoint.format}, not {self.format}"
            )
        remaining = checkpoint.offset
        while remaining > 0:
            chunk = stream.read(min(_CHUNK, remaining))
            if not chunk:
                break
            self._hash.update(chunk)
            remaining -= len(chunk)
        if remaining or self._hash.hexdigest() != checkpoint.sha256:
            raise BackfillInputError(
                f"{self.path} changed since its checkpoint was written (its first {checkpoint.offset} bytes "
                "differ); resuming would skip the wrong lines — restart it instead"
            )
        if self.format == "csv" and checkpoint.offset:
            stream.seek(0)
            first = stream.readline().decode("utf-8", "surrogateescape")
            self._header = next(csv.reader([first]), [])
            stream.seek(checkpoint.offset)
        self.records, self.line, self.offset = checkpoint.records, checkpoint.line, checkpoint.offset

    def checkpoint(self, *, published: int, rejected: int) -> Checkpoint:
        """A checkpoint at the current position (call it only once everything before is published)."""
        return Checkpoint(
            input=str(self.path.resolve()),
            format=self.format,
            records=self.records,
            line=self.line,
            offset=self.offset,
            sha256=self._hash.hexdigest(),
            published=published,
            rejected=rejected,
        )

    def _lines(self) -> Iterator[bytes]:
        for raw in self._opened():
            self._hash.update(raw)
            self.offset += len(raw)
            self.line += 1
            yield raw

    def read(self) -> Iterator[Record]:
        """The records from the current position to the end of the file."""
        return self._read_csv() if self.format == "csv" else self._read_jsonl()

    def _read_jsonl(self) -> Iterator[Record]:
        for raw in self._lines():
            if not raw.strip():
                continue
            self.records += 1
            try:
                (event,) = parse_structured(raw, what="line")
            except ContractError as exc:
                yield Record(self.line, problem=str(exc))
                continue
            yield Record(self.line, event=event)

    def _read_csv(self) -> Iterator[Record]:
        csv.field_size_limit(max(csv.field_size_limit(), _MAX_CSV_CELL))
        reader = csv.reader(raw.decode("utf-8", "surrogateescape") for raw in self._lines())
        try:
            if self._header is None:
                self._header = next(reader, [])
                check_header(self._header)
            header = self._header
            start = self.line + 1
            for cells in reader:
                row_start, start = start, self.line + 1
                if not any(cell.strip() for cell in cells):
                    continue
                self.records += 1
                yield self._row(row_start, header, cells)
        except csv.Error as exc:
            raise BackfillInputError(f"{self.path}, line {self.line}: not readable as CSV ({exc})") from None

    def _row(self, line: int, header: list[str], cells: list[str]) -> Record:
        if len(cells) > len(header):
            return Record(line, problem=f"row has {len(cells)} cells; the header names {len(header)}")
        if _has_undecodable(cells):
            return Record(line, problem="row is not valid UTF-8")
        row = dict(zip(header, cells, strict=False))
        try:
            return Record(line, event=row_to_event(row, default_source=self.default_source))
        except ContractError as exc:
            return Record(line, problem=str(exc))
