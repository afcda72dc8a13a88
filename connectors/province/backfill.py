"""Backfill: publishing a province's history from files, resumably, without ever aborting on a bad line.

Records are read (:mod:`connectors.province.records`), validated and admitted one by one exactly as the HTTP
ingest does (:mod:`connectors.province.admission`), and published in batches. After Kafka acknowledged a
batch, the checkpoint moves past it (:mod:`connectors.province.checkpoint`); a re-run starts there, so lines
before it are not sent again. A refused line is written to the rejects file with its line number and reason
and counted; the run goes on. A batch Kafka does not acknowledge is retried (:data:`PUBLISH_RETRY`), then the
run stops with PublishError — re-running resumes from the last acknowledged batch.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from connectors.errors import EventRefusedError, PublishError
from connectors.province.admission import admit_event, shown_id
from connectors.province.checkpoint import (
    default_checkpoint_path,
    default_rejects_path,
    read_checkpoint,
    trim_rejects,
    write_checkpoint,
)
from connectors.province.records import Format, InputFile, Record
from connectors.province.sink import EventSink, publish_within
from contracts import ContractError, Envelope, EventData

__all__ = ["PUBLISH_RETRY", "Backfill", "BackfillReport", "Progress", "format_of"]

Progress = Callable[[Path, int, int], None]
"""Called after each record with the file, the bytes consumed so far and the file's size."""

_log = structlog.get_logger("province.backfill")


def _log_retry(state: RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome is not None else None
    _log.warning("batch_not_acknowledged", attempt=state.attempt_number, error=str(failure))


PUBLISH_RETRY = AsyncRetrying(
    retry=retry_if_exception_type(PublishError),
    stop=stop_after_attempt(5),
    wait=wait_exponential_jitter(multiplier=0.5, max=10, jitter=0.5),
    before_sleep=_log_retry,
    reraise=True,
)
"""Five attempts per batch with jittered exponential pauses up to 10 s: rides out a broker restart. Each
batch uses a copy (``PUBLISH_RETRY.copy(sleep=...)`` in tests)."""


def format_of(path: Path) -> Format:
    """The format a file's name suggests: ``.csv`` is CSV, anything else JSON Lines."""
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


@dataclass
class BackfillReport:
    """What one run did: records read, published and rejected, and skipped because a checkpoint covered
    them. ``complete`` is False when the run stopped early (``max_batches``)."""

    read: int = 0
    published: int = 0
    rejected: int = 0
    skipped: int = 0
    complete: bool = True

    def __add__(self, other: BackfillReport) -> BackfillReport:
        return BackfillReport(
            self.read + other.read,
            self.published + other.published,
            self.rejected + other.rejected,
            self.skipped + other.skipped,
            self.complete and other.complete,
        )

    def summary(self) -> str:
        return (
            f"read {self.read}, published {self.published}, rejected {self.rejected}, "
            f"skipped {self.skipped} (before the checkpoint)" + ("" if self.complete else "; stopped early")
        )


@dataclass
class _Run:
    """The state of one file's run: its reader, its rejects stream, the batch in hand, the totals."""

    source: InputFile
    rejects: IO[str]
    checkpoint_path: Path
    published_before: int
    rejected_before: int
    report: BackfillReport = field(default_factory=BackfillReport)
    batch: list[Envelope[EventData]] = field(default_factory=list)


class Backfill:
    """Publishes input files through a sink, ``batch_size`` events per acknowledged batch."""

    def __init__(
        self,
        sink: EventSink,
        *,
        default_source: str,
        batch_size: int = 500,
        max_batches: int | None = None,
        progress: Progress | None = None,
        retrying: AsyncRetrying = PUBLISH_RETRY,
        publish_timeout_seconds: float = 30.0,
    ) -> None:
        self._sink = sink
        self._default_source = default_source
        self._batch_size = batch_size
        self._batches_left = max_batches
        self._progress = progress
        self._retrying = retrying
        self._publish_timeout = publish_timeout_seconds

    async def run(
        self,
        path: Path,
        *,
        fmt: Format | None = None,
        checkpoint: Path | None = None,
        rejects: Path | None = None,
        restart: bool = False,
    ) -> BackfillReport:
        """Publish one file from its checkpoint (from the start with ``restart``) to its end."""
        checkpoint = checkpoint or default_checkpoint_path(path)
        rejects = rejects or default_rejects_path(path)
        with InputFile(path, fmt or format_of(path), default_source=self._default_source) as source:
            resumed = None if restart else read_checkpoint(checkpoint)
            if resumed is not None:
                source.resume(resumed)
            trim_rejects(rejects, resumed.line if resumed else 0)
            with rejects.open("a", encoding="utf-8") as rejects_stream:
                run = _Run(
                    source,
                    rejects_stream,
                    checkpoint,
                    resumed.published if resumed else 0,
                    resumed.rejected if resumed else 0,
                )
                run.report.skipped = source.records
                await self._consume(run)
        _log.info("backfill_file", file=str(path), **run.report.__dict__)
        return run.report

    async def _consume(self, run: _Run) -> None:
        size = run.source.size
        for record in run.source.read():
            if self._batches_left == 0:
                run.report.complete = False
                return
            run.report.read += 1
            self._take(run, record)
            if len(run.batch) >= self._batch_size:
                await self._flush(run)
            if self._progress is not None:
                self._progress(run.source.path, run.source.offset, size)
        await self._flush(run)

    def _take(self, run: _Run, record: Record) -> None:
        problem = record.problem
        if problem is None:
            try:
                run.batch.append(admit_event(record.event))
                return
            except (ContractError, EventRefusedError) as exc:
                problem = str(exc)
        entry = {"line": record.line, "id": shown_id(record.event), "reason": problem}
        run.rejects.write(json.dumps(entry, ensure_ascii=False) + "\n")
        run.report.rejected += 1

    async def _flush(self, run: _Run) -> None:
        """Publish the batch in hand (if any), then move the checkpoint to the current position."""
        if run.batch:
            async for attempt in self._retrying.copy():
                with attempt:
                    await publish_within(self._sink, run.batch, self._publish_timeout)
            run.report.published += len(run.batch)
            run.batch.clear()
            if self._batches_left is not None:
                self._batches_left -= 1
        run.rejects.flush()
        os.fsync(run.rejects.fileno())
        write_checkpoint(
            run.checkpoint_path,
            run.source.checkpoint(
                published=run.published_before + run.report.published,
                rejected=run.rejected_before + run.report.rejected,
            ),
        )
