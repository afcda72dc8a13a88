"""The finding book: opening, healing, reopening, escalation, and the settings' own checks."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.rules import FindingAction, FindingBook, FindingState, FindingType, RuleSettings
from tests.unit.hub.factories import CODE, at

MISSING = FindingType.MISSING_ON_PORTAL


def test_a_new_finding_is_open_and_reported_as_changed() -> None:
    book = FindingBook((), CODE, at(1))
    finding = book.raise_(MISSING, "nothing on the portal", action=FindingAction.RESYNC)
    assert (finding.state, finding.subject, finding.opened_at, finding.occurrences) == (
        FindingState.OPEN,
        CODE,
        at(1),
        1,
    )
    assert book.changed == (finding,)


def test_raising_the_same_open_finding_again_changes_nothing() -> None:
    first = FindingBook((), CODE, at(1))
    first.raise_(MISSING, "nothing")
    again = FindingBook(first.findings, CODE, at(2))
    again.raise_(MISSING, "nothing")
    assert again.changed == ()
    assert again.findings == first.findings


def test_a_healed_finding_found_again_reopens_and_counts_the_occurrence() -> None:
    book = FindingBook((), CODE, at(1))
    book.raise_(MISSING, "nothing")
    book = FindingBook(book.findings, CODE, at(2))
    assert book.heal(MISSING) is not None
    assert book.heal(MISSING) is None
    book = FindingBook(book.findings, CODE, at(3))
    reopened = book.raise_(MISSING, "nothing again")
    assert (reopened.state, reopened.opened_at, reopened.healed_at, reopened.occurrences) == (
        FindingState.OPEN,
        at(3),
        None,
        2,
    )


def test_finding_a_condition_again_never_lowers_an_operator_finding_back_to_open() -> None:
    book = FindingBook((), CODE, at(1))
    book.raise_(MISSING, "x", state=FindingState.NEEDS_OPERATOR, action=FindingAction.OPERATOR)
    kept = book.raise_(MISSING, "y")
    assert (kept.state, kept.action, kept.detail) == (
        FindingState.NEEDS_OPERATOR,
        FindingAction.OPERATOR,
        "y",
    )


def test_findings_of_one_type_are_told_apart_by_key() -> None:
    book = FindingBook((), CODE, at(1))
    book.raise_(FindingType.AMOUNT_MISMATCH, "a", key="R1/T1")
    book.raise_(FindingType.AMOUNT_MISMATCH, "b", key="R2/T2")
    book.heal_all(FindingType.AMOUNT_MISMATCH)
    assert [f.state for f in book.findings] == [FindingState.HEALED, FindingState.HEALED]


@pytest.mark.parametrize(
    "kwargs", [{"max_applied_ids": 0}, {"max_history": 0}, {"sync_sla": dt.timedelta(seconds=-1)}]
)
def test_settings_refuse_values_that_would_break_the_rules(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        RuleSettings(**kwargs)  # type: ignore[arg-type]
