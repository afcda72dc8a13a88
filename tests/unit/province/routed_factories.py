"""Factories of ``SubmissionRouted`` envelopes for the delivery tests: a dossier filed online, routed on.

The applicant carries the contract factories' personal data (:data:`PERSONAL_ID`, :data:`APPLICANT_NAME`), so
tests can check it reaches the webhook's body and nothing else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from contracts import Envelope, SubmissionRouted
from tests.unit.contracts.factories import APPLICANT_NAME, PERSONAL_ID, make_dossier

__all__ = ["AGENCY", "APPLICANT_NAME", "PERSONAL_ID", "SUCCESSOR", "dossier_code", "routed"]

AGENCY = "000.00.40.H14"
"""The code the citizen addressed (closed)."""
SUCCESSOR = "000.00.41.H14"
"""Its successor, which receives the dossier."""
_VN = dt.timezone(dt.timedelta(hours=7))
_SUBMITTED = dt.datetime(2025, 7, 1, 7, 30, tzinfo=_VN)


def dossier_code(sequence: int) -> str:
    return f"{AGENCY}-250701-{sequence:04d}"


def routed(
    sequence: int, revision: int = 1, *, event_id: str | None = None, **overrides: Any
) -> Envelope[Any]:
    """The ``revision``-th routing of dossier number ``sequence`` (ids differ per dossier and revision)."""
    code = dossier_code(sequence)
    dossier = make_dossier(
        dossier_code=code,
        receiving_agency_code=AGENCY,
        status=1,
        status_changed_at=_SUBMITTED.isoformat(),
        received_at=None,
        due_at=None,
    )
    routed_at = _SUBMITTED + dt.timedelta(minutes=revision)
    fields: dict[str, Any] = {
        "dossier_code": code,
        "receiving_agency_code": SUCCESSOR,
        "addressed_code": AGENCY,
        "followed_from": (AGENCY,),
        "portal_cursor": sequence,
        "submitted_at": _SUBMITTED,
        "routed_at": routed_at,
        "dossier": dossier,
    } | overrides
    return Envelope[SubmissionRouted](
        id=event_id or f"routed-{sequence}-{revision}",
        source="lienthong-hub",
        time=routed_at,
        data=SubmissionRouted(**fields),
    )
