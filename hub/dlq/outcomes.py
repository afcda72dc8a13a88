"""What replay and discard report: a :class:`Step` per dead letter handled, and the :class:`Outcome`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from hub.dlq.letters import DeadLetter, LetterId

__all__ = ["MAX_ERRORS", "Outcome", "Step", "StepKind"]

MAX_ERRORS = 20

StepKind = Literal[
    "sent",  # replayed: acknowledged by Kafka and recorded in the audit log
    "would_send",  # --dry-run
    "replayed_before",  # already replayed to the same topic (skipped; --again sends it anyway)
    "discarded",  # recorded as discarded
    "would_discard",  # --dry-run
    "discarded_before",  # discarded earlier: skipped by replay (unless asked) and by discard
    "not_found",  # an id outside the snapshot: never written, expired, or a transaction marker
    "failed",  # not sent: the target topic is missing, say
]


@dataclass(frozen=True, slots=True)
class Step:
    """One dead letter handled by replay or discard."""

    letter_id: LetterId
    kind: StepKind
    letter: DeadLetter | None = None
    target: str | None = None
    partition: int | None = None
    """The target partition when the original one is kept; ``None`` when the key decides."""


@dataclass
class Outcome:
    """The result of one replay or discard, as counted and written to the audit log."""

    action_id: str
    snapshot_size: int = 0
    matched: int = 0
    steps: Counter[str] = field(default_factory=Counter)
    targets: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    stopped: bool = False
    """True when the operation stopped early on an error (what was done before is recorded)."""

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, step: Step) -> None:
        self.steps[step.kind] += 1
        if step.kind in ("sent", "would_send") and step.target is not None:
            self.targets[step.target] += 1

    def error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)
        elif len(self.errors) == MAX_ERRORS:
            self.errors.append("… further errors not listed")

    def as_dict(self) -> dict[str, Any]:
        return {
            "action_id": self.action_id,
            "snapshot_size": self.snapshot_size,
            "matched": self.matched,
            **{kind: self.steps[kind] for kind in sorted(self.steps)},
            "targets": dict(self.targets),
            "stopped": self.stopped,
            "errors": list(self.errors),
        }
