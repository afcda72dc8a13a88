"""Hand-built dossiers for the indicator tests: ``make_dossier(**overrides)`` and ``at(day, hour)``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from connectors.simulator.catalogue import CATALOGUE, FeeKind
from connectors.simulator.lifecycle import ComponentRecord, Dossier, FeeRecord, PaymentPlan, Round, Step
from connectors.simulator.provinces import Unit, UnitKind
from connectors.simulator.workdays import VIETNAM_TIME

__all__ = ["COMMUNE", "at", "component", "fee", "make_dossier"]

COMMUNE = Unit("000.00.40.H14", "Ủy ban nhân dân phường Thục Phán", UnitKind.COMMUNE, ("000.00.30.H14",))


def at(day: int, hour: int, minute: int = 0, *, month: int = 7) -> dt.datetime:
    """``day``/``month``/2025 at ``hour:minute`` in Vietnam."""
    return dt.datetime(2025, month, day, hour, minute, tzinfo=VIETNAM_TIME)


def component(*, reused: bool = False, digitised: bool = False) -> ComponentRecord:
    return ComponentRecord("TP01", "Tờ khai", digitised or reused, reused, national_store=False)


def fee(amount: int) -> FeeRecord:
    return FeeRecord("LP", "Lệ phí", FeeKind.CHARGE, "cash", amount)


def make_dossier(**overrides: Any) -> Dossier:
    """A desk dossier received 1 July 08:00, due 3 July 17:00, in processing; ``overrides`` replace fields.

    ``steps`` may be given as ``[(status, at), ...]`` and ``rounds`` as ``[(requested, returned), ...]``.
    """
    fields: dict[str, Any] = {
        "ordinal": 0,
        "code": "000.00.40.H14-250701-5001",
        "unit": COMMUNE,
        "sent_agency_code": COMMUNE.code,
        "procedure": CATALOGUE[0],
        "channel": 1,
        "applicant": {"kind": "citizen", "name": "Nguyễn Văn An", "personal_id": "004085001234"},
        "vneid": False,
        "components": (component(),),
        "fees": (),
        "steps": [(2, at(1, 8)), (4, at(1, 9))],
        "submitted_at": None,
        "received_at": at(1, 8),
        "due_at": at(3, 17),
        "processed_at": None,
        "delivered_at": None,
        "rounds": [],
        "results": (),
        "payment_plan": PaymentPlan.NONE,
        "paid_at": None,
        "payments": (),
    } | overrides
    fields["steps"] = tuple(s if isinstance(s, Step) else Step(*s) for s in fields["steps"])
    fields["rounds"] = tuple(r if isinstance(r, Round) else Round(*r) for r in fields["rounds"])
    return Dossier(**fields)
