"""Invalid province events: corrupted copies of valid ones, each with the rejection it must meet.

Every kind breaks exactly one rule of the contracts, the way real senders do (a lower-case agency code, a
tax code with a wrong check digit, a negative or fractional amount, a timestamp without offset, a field the
schema does not know, …). An invalid event gets its own id (``<original id>~<kind>``), so it never collides
with the valid event it was copied from, and is sent alone in its request so its refusal cannot block valid
events. :class:`InvalidEvent` records what the contracts must answer: the error class and, for payload errors,
the field path reported.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connectors.simulator.people import bad_check_digit, enterprise_code

__all__ = ["INVALID_KINDS", "InvalidEvent", "corrupt"]

_PAYLOAD = "InvalidPayloadError"


@dataclass(frozen=True, slots=True)
class InvalidEvent:
    """An invalid event sent, and how it must be rejected."""

    id: str
    kind: str
    dossier_code: str
    based_on: str
    """The id of the valid event it was copied from."""
    error: str
    """The :class:`contracts.ContractError` subclass expected, by name."""
    path: str | None
    """The field path the rejection names (payload errors only), e.g. ``fees[0].amount``."""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "dossier_code": self.dossier_code,
            "based_on": self.based_on,
            "error": self.error,
            "path": self.path,
        }


Mutation = Callable[[random.Random, dict[str, Any]], None]


def _lower_agency(rng: random.Random, event: dict[str, Any]) -> None:
    event["data"]["receiving_agency_code"] = event["data"]["receiving_agency_code"].lower()


def _check_digit(rng: random.Random, event: dict[str, Any]) -> None:
    event["data"]["applicant"] = {
        "kind": "enterprise",
        "name": "Công ty TNHH Thử Nghiệm",
        "enterprise_code": bad_check_digit(enterprise_code(rng)),
    }


def _short_personal_id(rng: random.Random, event: dict[str, Any]) -> None:
    applicant = event["data"]["applicant"]
    applicant["personal_id"] = applicant["personal_id"][:11]


def _fee_amount(value: Any) -> Mutation:
    def mutate(rng: random.Random, event: dict[str, Any]) -> None:
        fees = event["data"]["fees"]
        if not fees:
            fees.append({"name": "Lệ phí", "code": "LP", "collection_method": "cash", "amount": 0})
        fees[0]["amount"] = value

    return mutate


def _naive_status_time(rng: random.Random, event: dict[str, Any]) -> None:
    event["data"]["status_changed_at"] = event["data"]["status_changed_at"][:19]


def _unknown_field(rng: random.Random, event: dict[str, Any]) -> None:
    event["data"]["ma_don_vi_cu"] = "DV-01"


def _short_procedure(rng: random.Random, event: dict[str, Any]) -> None:
    event["data"]["procedure_code"] = event["data"]["procedure_code"][:-1]


def _impossible_date(rng: random.Random, event: dict[str, Any]) -> None:
    agency, day, sequence = event["data"]["dossier_code"].rsplit("-", 2)
    event["data"]["dossier_code"] = event["subject"] = f"{agency}-{day[:2]}13{day[4:]}-{sequence}"


def _processed_without_date(rng: random.Random, event: dict[str, Any]) -> None:
    data = event["data"]
    data["status"] = 9
    data.pop("processed_at", None)


def _other_subject(rng: random.Random, event: dict[str, Any]) -> None:
    agency, day, sequence = event["subject"].rsplit("-", 2)
    event["subject"] = f"{agency}-{day}-{(int(sequence) + 1) % 10000:04d}"


def _unknown_type(rng: random.Random, event: dict[str, Any]) -> None:
    event["type"] = event["type"].removesuffix(".v1") + ".v9"


def _naive_time(rng: random.Random, event: dict[str, Any]) -> None:
    event["time"] = event["time"][:19]


def _extra_attribute(rng: random.Random, event: dict[str, Any]) -> None:
    event["dataschema"] = "https://lienthong.example/schemas/dossier.json"


def _channel(rng: random.Random, event: dict[str, Any]) -> None:
    event["data"]["channel"] = 4


def _status(rng: random.Random, event: dict[str, Any]) -> None:
    event["data"]["status"] = 11


INVALID_KINDS: dict[str, tuple[Mutation, str, str | None]] = {
    "agency_code_lower_case": (_lower_agency, _PAYLOAD, "receiving_agency_code"),
    "enterprise_check_digit": (_check_digit, _PAYLOAD, "applicant.enterprise_code"),
    "personal_id_eleven_digits": (_short_personal_id, _PAYLOAD, "applicant.personal_id"),
    "negative_amount": (_fee_amount(-2000), _PAYLOAD, "fees[0].amount"),
    "fractional_amount": (_fee_amount(2000.5), _PAYLOAD, "fees[0].amount"),
    "naive_timestamp": (_naive_status_time, _PAYLOAD, "status_changed_at"),
    "unknown_field": (_unknown_field, _PAYLOAD, "ma_don_vi_cu"),
    "procedure_code_short": (_short_procedure, _PAYLOAD, "procedure_code"),
    "dossier_code_month_13": (_impossible_date, _PAYLOAD, "dossier_code"),
    "processed_without_date": (_processed_without_date, _PAYLOAD, "$"),
    "subject_mismatch": (_other_subject, "KeyMismatchError", None),
    "unknown_event_type": (_unknown_type, "UnknownEventTypeError", None),
    "time_without_offset": (_naive_time, _PAYLOAD, "time"),
    "unsupported_attribute": (_extra_attribute, _PAYLOAD, "$"),
    "channel_out_of_range": (_channel, _PAYLOAD, "channel"),
    "status_out_of_range": (_status, _PAYLOAD, "status"),
}
"""Kind → (mutation, expected error class, expected field path)."""

_NEEDS_RECEPTION = frozenset({"processed_without_date"})


def corrupt(rng: random.Random, event: dict[str, Any]) -> tuple[dict[str, Any], InvalidEvent]:
    """A corrupted copy of the valid ``event`` and what its rejection must be."""
    kinds = [k for k in INVALID_KINDS if k not in _NEEDS_RECEPTION or "received_at" in event["data"]]
    kind = rng.choice(kinds)
    mutation, error, path = INVALID_KINDS[kind]
    broken = copy.deepcopy(event)
    broken["id"] = f"{event['id']}~{kind}"
    mutation(rng, broken)
    record = InvalidEvent(broken["id"], kind, event["subject"], event["id"], error, path)
    return broken, record
