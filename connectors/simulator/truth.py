"""The files a run leaves: the ground truth (JSON) and the province events (JSON Lines).

The truth is deterministic bytes: keys sorted, no insignificant whitespace, UTF-8, and no float computed
from data — shares and rates are exact fractions ``{"numerator", "denominator", "value"}`` whose ``value`` is
only a display rounding to six decimals. Its layout is described in ``connectors/simulator/README.md``.

The events file holds every structured-mode CloudEvent sent to the province ingest, one per line, in sending
order — duplicates and invalid events included — so the backfill importer can replay the same traffic.
"""

from __future__ import annotations

import json
from dataclasses import fields
from fractions import Fraction
from pathlib import Path
from typing import Any

from connectors.simulator.generator import unit_rates
from connectors.simulator.indicators import end_of_processing, on_time, supplement_waiting
from connectors.simulator.lifecycle import Dossier, PaymentAttempt
from connectors.simulator.profiles import KindProfile, MessRates, Profile
from connectors.simulator.simulation import Simulation
from connectors.simulator.traffic import DeliveryKind
from connectors.simulator.wire import event_id, rfc3339

__all__ = ["FORMAT", "events_lines", "truth_bytes", "truth_document", "write_events", "write_truth"]

FORMAT = "lienthong.simulator.truth/1"


def fraction_json(value: Fraction) -> dict[str, Any]:
    return {"numerator": value.numerator, "denominator": value.denominator, "value": round(float(value), 6)}


def _shares(record: KindProfile | MessRates | Profile) -> dict[str, Any]:
    return {
        f.name: fraction_json(getattr(record, f.name))
        for f in fields(record)
        if isinstance(getattr(record, f.name), Fraction)
    }


def _time(value: Any) -> str | None:
    return None if value is None else rfc3339(value)


def _dossier(dossier: Dossier, sim: Simulation) -> dict[str, Any]:
    end = end_of_processing(dossier)
    judged = end if end is not None else sim.horizon
    electronic = [r.electronic for r in dossier.results]
    return {
        "code": dossier.code,
        "unit": dossier.unit.code,
        "sent_agency_code": dossier.sent_agency_code,
        "closed_code": dossier.closed_code,
        "procedure_code": dossier.procedure.code,
        "channel": dossier.channel,
        "applicant_kind": dossier.applicant["kind"],
        "final_status": dossier.final_status,
        "statuses": [[step.status, rfc3339(step.at)] for step in dossier.steps],
        "event_ids": [event_id(dossier, i) for i, step in enumerate(dossier.steps) if step.status != 1],
        "submitted_at": _time(dossier.submitted_at),
        "received_at": _time(dossier.received_at),
        "due_at": _time(dossier.due_at),
        "processed_at": _time(dossier.processed_at),
        "delivered_at": _time(dossier.delivered_at),
        "end_of_processing": _time(end),
        "supplement_rounds": [
            {"requested_at": rfc3339(r.requested_at), "returned_at": _time(r.returned_at)}
            for r in dossier.rounds
        ],
        "supplement_waiting_seconds": int(supplement_waiting(dossier, judged).total_seconds()),
        "on_time": None if dossier.received_at is None else on_time(dossier, sim.horizon),
        "components": len(dossier.components),
        "reused": any(c.reused for c in dossier.components),
        "digitised": any(c.digitised for c in dossier.components),
        "national_store": any(c.national_store for c in dossier.components),
        "fee_total": dossier.fee_total,
        "has_fee": any(fee.amount > 0 for fee in dossier.fees),
        "payment_plan": dossier.payment_plan.value,
        "online_payment": dossier.online_payment,
        "paid_online": dossier.online_payment in (1, 2),
        "results": len(dossier.results),
        "electronic_result": any(electronic) if electronic else None,
        "payments": [attempt.reference for attempt in dossier.payments],
    }


def _payment(attempt: PaymentAttempt) -> dict[str, Any]:
    return {
        "reference": attempt.reference,
        "dossier_code": attempt.dossier_code,
        "known_dossier": attempt.known_dossier,
        "amount": attempt.amount,
        "initiated_at": rfc3339(attempt.at),
        "outcome": attempt.outcome,
        "resolves_to": attempt.resolves_to,
        "succeeded": attempt.succeeded,
    }


def _traffic_counts(sim: Simulation) -> dict[str, int]:
    deliveries = sim.traffic.deliveries
    events = [d for d in deliveries if d.kind is DeliveryKind.EVENT]
    return {
        "province_events": sum(1 for d in events if not d.duplicate),
        "province_event_requests": len(events),
        "invalid_events": sum(1 for d in deliveries if d.kind is DeliveryKind.INVALID),
        "portal_submissions": sum(1 for d in deliveries if d.kind is DeliveryKind.SUBMISSION),
        "payments": sum(1 for d in deliveries if d.kind is DeliveryKind.PAYMENT),
    }


def _mess(sim: Simulation) -> dict[str, Any]:
    traffic = sim.traffic
    closed = [
        {"dossier_code": d.code, "sent_code": d.sent_agency_code, "unit": d.unit.code}
        for d in sim.dossiers
        if d.closed_code
    ]
    lists: dict[str, list[Any]] = {
        "duplicates": sorted(traffic.duplicates),
        "out_of_order": sorted((o.as_json() for o in traffic.overtaken), key=lambda o: o["late_event_id"]),
        "closed_codes": sorted(closed, key=lambda c: c["dossier_code"]),
        "unknown_payments": sorted(p.reference for p in traffic.unknown_payments),
        "invalid_events": sorted((i.as_json() for i in traffic.invalid), key=lambda i: i["id"]),
    }
    return {"counts": {name: len(items) for name, items in lists.items()}, **lists}


def truth_document(sim: Simulation) -> dict[str, Any]:
    """The ground truth of ``sim`` as a JSON value."""
    profile = sim.profile
    payments = [a for d in sim.dossiers for a in d.payments] + sim.traffic.unknown_payments
    rates = unit_rates(profile, sim.scale)
    return {
        "format": FORMAT,
        "parameters": {
            "province": profile.key,
            "start": sim.window.start.isoformat(),
            "days": sim.window.days,
            "seed": sim.seed,
            "scale": fraction_json(sim.scale),
            "horizon": rfc3339(sim.horizon),
            "mess": _shares(sim.mess),
        },
        "profile": {
            "province": {"name": profile.province.name, "code": profile.province.code},
            "communes": _shares(profile.communes),
            "departments": _shares(profile.departments),
            **_shares(profile),
        },
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "kind": u.kind.value,
                "closed_codes": list(u.predecessors),
                "daily_dossiers": fraction_json(rates[u.code]),
            }
            for u in profile.province.units
        ],
        "dossiers": sorted((_dossier(d, sim) for d in sim.dossiers), key=lambda d: d["code"]),
        "payments": sorted((_payment(a) for a in payments), key=lambda p: p["reference"]),
        "traffic": _traffic_counts(sim),
        "mess": _mess(sim),
        "indicators": {
            "as_of": rfc3339(sim.horizon),
            "definitions": "connectors/simulator/INDICATORS.md",
            "province": sim.indicators.scope_json("province"),
            "units": {
                scope: sim.indicators.scope_json(scope)
                for scope in sim.indicators.scopes()
                if scope != "province"
            },
        },
    }


def truth_bytes(sim: Simulation) -> bytes:
    """The truth file's bytes: the same simulation always gives the same bytes."""
    text = json.dumps(truth_document(sim), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{text}\n".encode()


def write_truth(sim: Simulation, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(truth_bytes(sim))


def events_lines(sim: Simulation) -> list[str]:
    """The province events in sending order, one JSON document per line."""
    kinds = (DeliveryKind.EVENT, DeliveryKind.INVALID)
    return [
        json.dumps(d.body, ensure_ascii=False, separators=(",", ":"))
        for d in sim.traffic.deliveries
        if d.kind in kinds
    ]


def write_events(sim: Simulation, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in events_lines(sim)), encoding="utf-8")
