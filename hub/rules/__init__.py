"""The routing core's pure rules: no I/O, no clock, no broker, no database — values in, decisions out.

A subscriber decodes an event, loads what the rule needs (the dossier's :class:`LedgerEntry`, the
:class:`RoutingTable`, the :class:`ParkingLot`), calls one rule with the current time, persists what it
returns and then publishes the commands it returns. The rules by flow:

======================  ==========================================================================
province dossier event  :func:`apply_dossier_event`, then :func:`check_agency_code`
portal sync outcome     :func:`apply_sync_completed`, :func:`apply_sync_failed`
online submission       :func:`route_submission` → :func:`routed_submission`; later :func:`record_released`,
                        :func:`record_dead_lettered`, :func:`record_discarded`
held dossier events     :func:`hold_event` while the submission blocks; :func:`release_held` once it does not
identity event          :func:`on_identity_event`; then :func:`check_agency_code` on affected dossiers
payment event           :func:`apply_payment`
portal lookup outcome   :func:`apply_lookup_completed` (→ :func:`check_drift`)
periodic                :func:`reconcile`, :func:`pick_for_lookup` → :func:`request_lookup`,
                        :func:`expire_parked`
indicators              :func:`compute_indicators`, :func:`sync_freshness`
======================  ==========================================================================
"""

from hub.rules.addressing import (
    SubmissionDecision,
    check_agency_code,
    record_dead_lettered,
    record_discarded,
    record_released,
    route_submission,
    routed_submission,
)
from hub.rules.decisions import Decision, Outcome, request_sync
from hub.rules.drift import apply_lookup_completed, lookup_due, pick_for_lookup, request_lookup
from hub.rules.findings import Finding, FindingAction, FindingBook, FindingState, FindingType
from hub.rules.freshness import Freshness, FreshnessTable, sync_freshness
from hub.rules.holding import HOLDABLE_TOPICS, hold_event, release_held
from hub.rules.inbound import EventKey, content_digest, event_key, narrow
from hub.rules.indicators import PROVINCE, IndicatorEntry, IndicatorTable, Ratio, compute_indicators, unit_of
from hub.rules.ledger import (
    HeldEvent,
    LedgerEntry,
    PaymentRecord,
    PaymentState,
    PaymentTransaction,
    PortalView,
    ProvinceView,
    StatusRecord,
    SubmissionRecord,
    SubmissionState,
    SyncFailure,
    SyncState,
    new_entry,
)
from hub.rules.lifecycle import TIE_RANK, apply_dossier_event, order_key
from hub.rules.parking import (
    HELD_BEHIND_DEAD_LETTER,
    SUCCESSOR_CYCLE,
    UNKNOWN_AGENCY_CODE,
    DeadLetterCause,
    LetterRef,
    LotChange,
    ParkedItem,
    ParkingLot,
    expire_parked,
    park,
    release_parked,
)
from hub.rules.payments import FeeLineMatch, apply_payment, fee_total, match_fee_lines, settle_payments
from hub.rules.periods import Granularity, local_day, period_end, period_key, period_start
from hub.rules.raw import RawRecord
from hub.rules.reconcile import (
    apply_sync_completed,
    apply_sync_failed,
    check_drift,
    needs_attention,
    reconcile,
)
from hub.rules.registry import (
    CodeRecord,
    CodeState,
    Cycle,
    Resolution,
    Resolved,
    RoutingTable,
    Unknown,
    apply_identity_event,
    resolve,
)
from hub.rules.routing import DeadLetter, Deliver, IdentityDecision, Park, Route, on_identity_event, route
from hub.rules.settings import DEFAULT_SETTINGS, RuleSettings
from hub.rules.timing import end_of_processing, on_time, supplement_waiting

__all__ = [
    "DEFAULT_SETTINGS",
    "HELD_BEHIND_DEAD_LETTER",
    "HOLDABLE_TOPICS",
    "PROVINCE",
    "SUCCESSOR_CYCLE",
    "TIE_RANK",
    "UNKNOWN_AGENCY_CODE",
    "CodeRecord",
    "CodeState",
    "Cycle",
    "DeadLetter",
    "DeadLetterCause",
    "Decision",
    "Deliver",
    "EventKey",
    "FeeLineMatch",
    "Finding",
    "FindingAction",
    "FindingBook",
    "FindingState",
    "FindingType",
    "Freshness",
    "FreshnessTable",
    "Granularity",
    "HeldEvent",
    "IdentityDecision",
    "IndicatorEntry",
    "IndicatorTable",
    "LedgerEntry",
    "LetterRef",
    "LotChange",
    "Outcome",
    "Park",
    "ParkedItem",
    "ParkingLot",
    "PaymentRecord",
    "PaymentState",
    "PaymentTransaction",
    "PortalView",
    "ProvinceView",
    "Ratio",
    "RawRecord",
    "Resolution",
    "Resolved",
    "Route",
    "RoutingTable",
    "RuleSettings",
    "StatusRecord",
    "SubmissionDecision",
    "SubmissionRecord",
    "SubmissionState",
    "SyncFailure",
    "SyncState",
    "Unknown",
    "apply_dossier_event",
    "apply_identity_event",
    "apply_lookup_completed",
    "apply_payment",
    "apply_sync_completed",
    "apply_sync_failed",
    "check_agency_code",
    "check_drift",
    "compute_indicators",
    "content_digest",
    "end_of_processing",
    "event_key",
    "expire_parked",
    "fee_total",
    "hold_event",
    "local_day",
    "lookup_due",
    "match_fee_lines",
    "narrow",
    "needs_attention",
    "new_entry",
    "on_identity_event",
    "on_time",
    "order_key",
    "park",
    "period_end",
    "period_key",
    "period_start",
    "pick_for_lookup",
    "reconcile",
    "record_dead_lettered",
    "record_discarded",
    "record_released",
    "release_held",
    "release_parked",
    "request_lookup",
    "request_sync",
    "resolve",
    "route",
    "route_submission",
    "routed_submission",
    "settle_payments",
    "supplement_waiting",
    "sync_freshness",
    "unit_of",
]
