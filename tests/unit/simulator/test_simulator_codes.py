"""Dossier codes as the portal and the province number them; units from the registries; closed codes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction

import pytest

from connectors.simulator import Simulation, UnitKind, profile, province, simulate
from connectors.simulator.generator import ONLINE_FIRST_SEQUENCE, PROVINCE_FIRST_SEQUENCE
from connectors.simulator.workdays import add_working_days, is_working_day, local_date, next_office_moment
from contracts.codes import parse_dossier_code

START = dt.date(2025, 7, 1)


@pytest.fixture(scope="module")
def week() -> Simulation:
    messy = profile("cao-bang").mess.replace(closed_codes=Fraction(1, 2), unknown_payments=Fraction(1, 20))
    return simulate("cao-bang", start=START, days=7, seed=9, mess=messy)


def test_online_codes_follow_the_portal_daily_sequence_and_desk_codes_start_at_5001(week: Simulation) -> None:
    sequences: dict[tuple[str, dt.date, bool], list[tuple[dt.datetime, int]]] = defaultdict(list)
    for dossier in week.dossiers:
        parts = parse_dossier_code(dossier.code)
        assert parts.agency_code == dossier.sent_agency_code
        filed = dossier.submitted_at if dossier.online else dossier.steps[0].at
        assert filed is not None
        assert parts.date == local_date(filed)
        sequences[(parts.agency_code, parts.date, dossier.online)].append((filed, parts.sequence))
    for (_, _, online), numbered in sequences.items():
        first = ONLINE_FIRST_SEQUENCE if online else PROVINCE_FIRST_SEQUENCE
        ordered = [sequence for _, sequence in sorted(numbered)]
        assert ordered == list(range(first, first + len(numbered))), "numbered in order of filing, no gaps"


def test_dossier_codes_and_payment_references_are_unique(week: Simulation) -> None:
    codes = [d.code for d in week.dossiers]
    assert len(codes) == len(set(codes))
    references = [a.reference for d in week.dossiers for a in d.payments]
    references += [p.reference for p in week.traffic.unknown_payments]
    assert len(references) == len(set(references))
    assert not {p.dossier_code for p in week.traffic.unknown_payments} & set(codes)


def test_closed_codes_on_the_wire_resolve_to_the_true_unit(week: Simulation) -> None:
    closed = [d for d in week.dossiers if d.closed_code]
    assert closed
    for dossier in closed:
        assert dossier.sent_agency_code in dossier.unit.predecessors
        assert week.profile.province.successor(dossier.sent_agency_code) == dossier.unit


def test_cao_bang_units_come_from_the_identity_registries() -> None:
    cao_bang = province("cao-bang")
    kinds = [unit.kind for unit in cao_bang.units]
    assert kinds.count(UnitKind.COMMUNE) == 56
    assert kinds.count(UnitKind.DEPARTMENT) == 22
    closed = [code for unit in cao_bang.units for code in unit.predecessors]
    assert len(closed) == len(set(closed)) == 10
    assert cao_bang.successor("000.00.30.H14").code == "000.00.40.H14"  # the former city → phường Thục Phán


def test_merged_provinces_state_bodies_lead_to_the_new_departments() -> None:
    lam_dong = province("lam-dong")
    assert lam_dong.successor("000.00.02.H16").code == "000.00.02.H36"
    assert lam_dong.successor("000.00.02.H11").code == "000.00.02.H36"


def test_working_days_skip_weekends_and_holidays() -> None:
    assert add_working_days(dt.date(2025, 8, 29), 1) == dt.date(2025, 9, 3)  # Fri → (weekend, 1-2 Sep) → Wed
    assert add_working_days(dt.date(2025, 7, 5), 0) == dt.date(2025, 7, 7)  # a Saturday → Monday
    assert not is_working_day(dt.date(2025, 9, 2))


def test_an_online_submission_at_night_is_received_when_the_desk_opens() -> None:
    night = dt.datetime(2025, 7, 4, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert next_office_moment(night).isoformat() == "2025-07-07T07:30:00+07:00"
