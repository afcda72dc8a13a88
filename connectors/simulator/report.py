"""What a drive did: counts of requests and answers, and every unexpected answer (an error).

The run is good when every valid event was accepted, every invalid one refused as expected, every online
submission got the predicted dossier code and every payment step was answered as planned; anything else is
recorded in :attr:`Report.errors` and makes the command exit non-zero. :class:`Display` shows live progress
on a terminal (rich) and nothing elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

__all__ = ["Display", "Report"]

_SHOWN_ERRORS = 20


@dataclass(slots=True)
class Report:
    """Counters of one drive."""

    events_sent: int = 0
    events_accepted: int = 0
    duplicates_sent: int = 0
    invalid_sent: int = 0
    invalid_rejected: int = 0
    event_requests: int = 0
    submissions_sent: int = 0
    submissions_matched: int = 0
    payments_initiated: int = 0
    payments_registered: int = 0
    payments_paid: int = 0
    pending_resolved: int = 0
    retries: int = 0
    aborted: bool = False
    """The run stopped early (the portal numbered a submission differently from the prediction)."""
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, message: str) -> None:
        self.errors.append(message)

    def rows(self) -> list[tuple[str, int]]:
        return [
            ("province events sent (incl. duplicates)", self.events_sent),
            ("  accepted", self.events_accepted),
            ("  of which exact duplicates", self.duplicates_sent),
            ("invalid events sent", self.invalid_sent),
            ("  rejected as expected", self.invalid_rejected),
            ("ingest requests", self.event_requests),
            ("portal submissions", self.submissions_sent),
            ("  with the predicted dossier code", self.submissions_matched),
            ("payments initiated (INIT)", self.payments_initiated),
            ("  registered with the payment connector", self.payments_registered),
            ("  paid (success, fail or pending)", self.payments_paid),
            ("  pending ones resolved", self.pending_resolved),
            ("requests retried", self.retries),
            ("unexpected answers (errors)", len(self.errors)),
        ]

    def render(self, console: Console) -> None:
        table = Table(title="simulation traffic", show_header=False)
        table.add_column("what")
        table.add_column("count", justify="right")
        for what, count in self.rows():
            table.add_row(what, str(count))
        console.print(table)
        if self.aborted:
            console.print("[red bold]the run stopped early[/red bold]: the rest of the traffic was not sent")
        for message in self.errors[:_SHOWN_ERRORS]:
            console.print(f"[red]error[/red] {escape(message)}", highlight=False)
        if len(self.errors) > _SHOWN_ERRORS:
            console.print(f"… and {len(self.errors) - _SHOWN_ERRORS} more errors")


class Display:
    """Live progress bars per kind of traffic, on a terminal only."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True)
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Self:
        if self._console.is_terminal:
            self._progress = Progress(
                TextColumn("{task.description:<22}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self._console,
            )
            self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def planned(self, kind: str, total: int) -> None:
        if self._progress is not None:
            self._tasks[kind] = self._progress.add_task(kind, total=total)

    def advance(self, kind: str, count: int = 1) -> None:
        if self._progress is not None and kind in self._tasks:
            self._progress.advance(self._tasks[kind], count)
