"""Online submissions routed by agency code, the parking lot's order and grace, and agency-code findings."""

from __future__ import annotations

from hub.rules import (
    DeadLetter,
    Deliver,
    FindingAction,
    FindingState,
    FindingType,
    Outcome,
    Park,
    RoutingTable,
    SubmissionState,
    apply_payment,
    check_agency_code,
    expire_parked,
    on_identity_event,
    record_dead_lettered,
    record_released,
    route_submission,
)
from hub.rules.parking import ParkingLot
from tests.unit.hub.factories import (
    AGENCY,
    applied,
    at,
    closed,
    envelope,
    event,
    issued,
    payment,
    submission,
    table_of,
)

OLD = "000.00.31.H14"
OLD_CODE = f"{OLD}-250701-0001"


def test_a_submission_to_an_active_code_is_delivered_without_findings() -> None:
    decision = route_submission(None, ParkingLot(), table_of(issued(AGENCY)), submission(), at(1, 7))
    assert decision.route == Deliver(target_code=AGENCY, province="H14")
    assert decision.findings == ()
    assert decision.entry.submission is not None
    assert decision.entry.submission.state is SubmissionState.ROUTED
    assert decision.entry.province is None


def test_a_submission_to_a_closed_code_is_rerouted_and_the_finding_recorded_healed() -> None:
    table = table_of(issued(AGENCY), closed(OLD, AGENCY))
    decision = route_submission(None, ParkingLot(), table, submission(agency=OLD, code=OLD_CODE), at(1, 7))
    assert decision.route == Deliver(target_code=AGENCY, province="H14", followed_from=(OLD,))
    (finding,) = decision.findings
    assert (finding.type, finding.state, finding.action, finding.key) == (
        FindingType.CLOSED_AGENCY_CODE,
        FindingState.HEALED,
        FindingAction.REROUTE,
        OLD,
    )
    assert AGENCY in finding.detail


def test_a_submission_to_an_unknown_code_is_parked_with_an_open_finding() -> None:
    decision = route_submission(None, ParkingLot(), RoutingTable(), submission(), at(1, 7))
    assert decision.route == Park(waiting_for=AGENCY, until=at(4, 7))
    assert len(decision.lot.items) == 1
    (finding,) = decision.findings
    assert (finding.type, finding.state, finding.action) == (
        FindingType.UNKNOWN_AGENCY_CODE,
        FindingState.OPEN,
        FindingAction.PARK,
    )


def test_a_later_submission_of_a_parked_dossier_waits_behind_it_even_if_routable() -> None:
    first = route_submission(None, ParkingLot(), RoutingTable(), submission(), at(1, 7))
    table = table_of(issued("000.00.41.H14"))
    second = route_submission(
        first.entry, first.lot, table, submission(agency="000.00.41.H14", cursor=2), at(1, 8)
    )
    assert isinstance(second.route, Park)
    assert second.route.behind_earlier
    assert [i.envelope.id for i in second.lot.items] == ["portal-submission-1", "portal-submission-2"]


def test_a_redelivered_submission_is_a_duplicate_whether_routed_or_parked() -> None:
    parked = route_submission(None, ParkingLot(), RoutingTable(), submission(), at(1, 7))
    again = route_submission(None, parked.lot, RoutingTable(), submission(), at(1, 8))
    assert (again.outcome, again.route, again.lot) == (Outcome.DUPLICATE, None, parked.lot)
    routed = route_submission(None, ParkingLot(), table_of(issued(AGENCY)), submission(), at(1, 7))
    twice = route_submission(routed.entry, ParkingLot(), table_of(issued(AGENCY)), submission(), at(1, 8))
    assert twice.outcome is Outcome.DUPLICATE


def test_a_submission_to_a_successor_cycle_is_dead_lettered_for_an_operator() -> None:
    table = table_of(closed(OLD, "000.00.32.H14"), closed("000.00.32.H14", OLD))
    decision = route_submission(None, ParkingLot(), table, submission(agency=OLD, code=OLD_CODE), at(1, 7))
    assert isinstance(decision.route, DeadLetter)
    (finding,) = decision.findings
    assert (finding.type, finding.state) == (FindingType.SUCCESSOR_CYCLE, FindingState.NEEDS_OPERATOR)


def test_a_released_submission_heals_its_unknown_code_finding() -> None:
    parked = route_submission(None, ParkingLot(), RoutingTable(), submission(), at(1, 7))
    identity = on_identity_event(
        RoutingTable(), parked.lot, envelope(issued(AGENCY), "i1", source="identity"), at(1, 9)
    )
    ((item, delivered),) = identity.released
    decision = record_released(parked.entry, item, delivered, at(1, 9))
    assert decision.entry.submission is not None
    assert (decision.entry.submission.state, decision.entry.submission.routed_to) == (
        SubmissionState.ROUTED,
        AGENCY,
    )
    assert [(f.type, f.state) for f in decision.findings] == [
        (FindingType.UNKNOWN_AGENCY_CODE, FindingState.HEALED)
    ]


def test_items_past_their_grace_are_dead_lettered_with_the_dossiers_later_items() -> None:
    first = route_submission(None, ParkingLot(), RoutingTable(), submission(), at(1, 7))
    second = route_submission(first.entry, first.lot, RoutingTable(), submission(cursor=2), at(2, 7))
    other = route_submission(
        None, second.lot, RoutingTable(), submission(code=f"{AGENCY}-250702-0001", cursor=3), at(2, 7)
    )
    assert expire_parked(other.lot, at(4, 6, 59)).dead_lettered == ()
    change = expire_parked(other.lot, at(4, 7))
    assert [i.envelope.id for i, _ in change.dead_lettered] == ["portal-submission-1", "portal-submission-2"]
    assert [i.envelope.id for i in change.lot.items] == ["portal-submission-3"]
    item, reason = change.dead_lettered[0]
    decision = record_dead_lettered(second.entry, item, reason, at(4, 7))
    (finding,) = decision.findings
    assert (finding.state, finding.action) == (FindingState.NEEDS_OPERATOR, FindingAction.DEAD_LETTER)
    assert decision.entry.submission is not None
    assert decision.entry.submission.state is SubmissionState.DEAD_LETTERED


def test_a_submission_makes_the_dossier_known_for_a_payment_that_came_first() -> None:
    paid = apply_payment(None, payment("succeeded"), at(1, 7))
    decision = route_submission(paid.entry, ParkingLot(), table_of(issued(AGENCY)), submission(), at(1, 8))
    assert [(f.type, f.state) for f in decision.findings] == [
        (FindingType.PAYMENT_UNKNOWN_DOSSIER, FindingState.HEALED)
    ]


def test_a_province_dossier_to_a_closed_code_is_rerouted_once_not_counted_twice() -> None:
    table = table_of(issued(AGENCY), closed(OLD, AGENCY))
    entry = applied(event(2, at(1, 8), "e1", code=OLD_CODE, agency=OLD))
    first = check_agency_code(entry, table, at(1, 8))
    (finding,) = first.findings
    assert (finding.type, finding.state) == (FindingType.CLOSED_AGENCY_CODE, FindingState.HEALED)
    again = check_agency_code(first.entry, table, at(1, 9))
    assert again.findings == ()
    assert again.entry.findings == first.entry.findings


def test_a_province_dossier_to_an_unknown_code_opens_a_finding_healed_once_the_code_is_issued() -> None:
    entry = applied(event(2, at(1, 8), "e1"))
    opened = check_agency_code(entry, RoutingTable(), at(1, 8))
    assert [(f.type, f.state) for f in opened.findings] == [
        (FindingType.UNKNOWN_AGENCY_CODE, FindingState.OPEN)
    ]
    healed = check_agency_code(opened.entry, table_of(issued(AGENCY)), at(2))
    assert [(f.type, f.state) for f in healed.findings] == [
        (FindingType.UNKNOWN_AGENCY_CODE, FindingState.HEALED)
    ]


def test_checking_a_dossier_known_only_from_a_payment_changes_nothing() -> None:
    entry = apply_payment(None, payment("initiated"), at(1, 7)).entry
    assert check_agency_code(entry, RoutingTable(), at(1, 8)).entry == entry
