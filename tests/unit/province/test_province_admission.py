"""Admission: dossier events pass; other types are refused with their origin; a request is checked whole."""

from __future__ import annotations

import pytest

from connectors.errors import EventRefusedError
from connectors.province import ACCEPTED_EVENT_TYPES, admit_batch, admit_event
from connectors.province.admission import _ELSEWHERE
from contracts import EVENT_TYPES, DossierStatusChanged, topic_for
from contracts.structured import to_structured
from tests.fixtures.province import cloudevent
from tests.unit.contracts.factories import make_closure, make_envelope, make_payment


def test_only_dossier_events_are_accepted() -> None:
    assert (DossierStatusChanged.event_type,) == ACCEPTED_EVENT_TYPES
    assert admit_event(cloudevent(1)).data.dossier_code == "000.00.20.H56-250601-0002"


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (make_payment(), "payment events come from the payment connector"),
        (make_closure(), "agency-code events come from the identity connector"),
    ],
)
def test_other_provinces_types_are_refused_with_a_reason(data: object, where: str) -> None:
    event = to_structured(make_envelope(data))  # type: ignore[arg-type]
    with pytest.raises(EventRefusedError, match=f"is not accepted from provincial systems: {where}"):
        admit_event(event)


def test_every_registered_type_is_either_accepted_or_refused_with_a_reason() -> None:
    """No type falls through: the refusal table covers every topic but the dossier topic."""
    for event_type in EVENT_TYPES:
        assert event_type in ACCEPTED_EVENT_TYPES or topic_for(event_type) in _ELSEWHERE


def test_a_batch_reports_every_refused_event_with_its_index_and_id() -> None:
    good = cloudevent(1, event_id="e-1")
    invalid = cloudevent(2, event_id="e-2", status=11)
    payment = to_structured(make_envelope(make_payment(), id="e-3"))
    repeated = dict(good)
    envelopes, rejections = admit_batch([good, invalid, payment, "nope", repeated])
    assert [envelope.id for envelope in envelopes] == ["e-1"]
    assert [(r.index, r.id) for r in rejections] == [(1, "e-2"), (2, "e-3"), (3, None), (4, "e-1")]
    assert "data: status" in rejections[0].reason
    assert rejections[2].reason == "an event must be a JSON object, got a string"
    assert rejections[3].reason == "source and id repeat those of event 0 of this request"


def test_same_id_from_different_sources_is_not_a_repeat() -> None:
    first = cloudevent(1, event_id="same")
    second = dict(cloudevent(2, event_id="same"), source="000.00.00.H14")
    envelopes, rejections = admit_batch([first, second])
    assert len(envelopes) == 2
    assert rejections == []
