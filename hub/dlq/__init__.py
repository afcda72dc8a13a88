"""The operator's dead-letter tool: count, show, replay and discard dead letters, with an audit log.

The logic lives here, beside the hub, so that ``lienthong dlq`` (``deploy/cli/dlq.py``) and the hub's HTTP
API can serve the same operations. Pure parts — :mod:`~hub.dlq.letters` (ids, what a dead letter carries),
:mod:`~hub.dlq.selection` (filters), :mod:`~hub.dlq.masking` and :mod:`~hub.dlq.views` (nothing personal in
clear), :mod:`~hub.dlq.counts`, :mod:`~hub.dlq.audit` (records and the state rebuilt from them) — are used by
:class:`~hub.dlq.desk.DeadLetterDesk`, which does the Kafka I/O (:mod:`~hub.dlq.reading`,
:mod:`~hub.dlq.topics`).
"""

from hub.dlq.audit import AUDIT_TOPIC, ActionRecord, AuditState, LetterRecord, audit_value, parse_audit
from hub.dlq.counts import LetterCounts, age_bucket
from hub.dlq.desk import DeadLetterDesk, OnProgress, OnStep
from hub.dlq.errors import (
    DeadLetterToolError,
    DiscardReasonMissingError,
    InvalidLetterIdError,
    InvalidMomentError,
    KafkaOperationError,
    NothingSelectedError,
    SelectionError,
)
from hub.dlq.letters import DLQ_SUFFIX, DeadLetter, LetterId, letter_of
from hub.dlq.masking import mask_text, preview
from hub.dlq.outcomes import Outcome, Step
from hub.dlq.selection import Selection, dlq_topic_name, parse_moment, selection_from
from hub.dlq.settings import DlqSettings
from hub.dlq.topics import replay_topic
from hub.dlq.views import letter_view

__all__ = [
    "AUDIT_TOPIC",
    "DLQ_SUFFIX",
    "ActionRecord",
    "AuditState",
    "DeadLetter",
    "DeadLetterDesk",
    "DeadLetterToolError",
    "DiscardReasonMissingError",
    "DlqSettings",
    "InvalidLetterIdError",
    "InvalidMomentError",
    "KafkaOperationError",
    "LetterCounts",
    "LetterId",
    "LetterRecord",
    "NothingSelectedError",
    "OnProgress",
    "OnStep",
    "Outcome",
    "Selection",
    "SelectionError",
    "Step",
    "age_bucket",
    "audit_value",
    "dlq_topic_name",
    "letter_of",
    "letter_view",
    "mask_text",
    "parse_audit",
    "parse_moment",
    "preview",
    "replay_topic",
    "selection_from",
]
