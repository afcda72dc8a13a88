"""Hypothesis strategies for every code shape and every registered event type, following the validators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from contracts import Envelope, EventData
from contracts.codes import agency_level, enterprise_check_digit
from contracts.events import (
    AgencyCodeAmended,
    AgencyCodeClosed,
    AgencyCodeIssued,
    Applicant,
    ApplicantKind,
    Channel,
    CollectionMethod,
    Component,
    DossierStatus,
    DossierStatusChanged,
    FeeLine,
    IssuingDecision,
    LookupReason,
    OnlinePayment,
    OnlineSubmissionReceived,
    PaymentFailed,
    PaymentInitiated,
    PaymentLine,
    PaymentLineKind,
    PaymentPending,
    PaymentRefunded,
    PaymentSucceeded,
    PortalLookupCompleted,
    PortalLookupRequested,
    PortalSyncCompleted,
    PortalSyncFailed,
    PortalSyncRequested,
    ResultDocument,
    SubmissionRouted,
    SupplementRound,
    SyncReason,
)
from contracts.timestamps import VIETNAM_TIME

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    "AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXYÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ"
)


def _digits(count: int, *, minimum: int = 0) -> st.SearchStrategy[str]:
    return st.integers(minimum, 10**count - 1).map(lambda n: f"{n:0{count}d}")


level_1 = st.builds(lambda letter, number: f"{letter}{number}", st.sampled_from(_LETTERS), _digits(2))
long_agency_codes = st.builds(
    lambda l4, l3, l2, l1: f"{l4}.{l3}.{l2}.{l1}", _digits(3), _digits(2), _digits(2), level_1
)
short_agency_codes = st.builds(
    lambda l1, unit: f"{l1}.{unit}", level_1, st.one_of(_digits(2, minimum=1), _digits(3, minimum=1))
)
agency_codes = st.one_of(long_agency_codes, short_agency_codes)

dossier_codes = st.one_of(
    st.builds(
        lambda agency, day, seq: f"{agency}-{day:%y%m%d}-{seq}",
        agency_codes,
        st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
        _digits(4),
    ),
    st.builds(
        lambda agency, day, seq: f"{agency}-{day:%Y%m%d}-{seq}",
        agency_codes,
        st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)),
        _digits(7),
    ),
)

procedure_codes = st.builds(
    lambda base, agency, online: base + (f".{agency}" if agency else "") + (f".{online}" if online else ""),
    st.builds(lambda first, rest: f"{first}.{rest}", _digits(1), _digits(6)),
    st.none() | agency_codes,
    st.none() | st.sampled_from(["01", "02"]),
)


@st.composite
def personal_ids(draw: st.DrawFn) -> str:
    this_year = dt.datetime.now(VIETNAM_TIME).year
    birth_year = draw(st.integers(1900, this_year))
    century_sex = 2 * ((birth_year - 1900) // 100) + draw(st.integers(0, 1))
    return f"{draw(st.integers(1, 96)):03d}{century_sex}{birth_year % 100:02d}{draw(_digits(6))}"


old_id_numbers = _digits(9)
citizen_id_numbers = st.one_of(personal_ids(), old_id_numbers)


_first_nine = _digits(9).filter(
    lambda nine: nine[2:] != "0000000" and enterprise_check_digit(nine) is not None
)


@st.composite
def enterprise_codes(draw: st.DrawFn) -> str:
    nine = draw(_first_nine)
    branch = draw(st.none() | _digits(3, minimum=1))
    return f"{nine}{enterprise_check_digit(nine)}" + (f"-{branch}" if branch else "")


phone_numbers = st.builds(
    lambda prefix, first, rest: f"{prefix}{first}{rest}",
    st.sampled_from(["0", "+84"]),
    st.integers(1, 9),
    st.one_of(_digits(8), _digits(9)),
)
opaque_codes = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)

_general_text = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40
).filter(str.strip)
_vietnamese_text = st.lists(
    st.text(st.sampled_from(_VIETNAMESE), min_size=1, max_size=8), min_size=1, max_size=6
).map(" ".join)
texts = st.one_of(_vietnamese_text, _general_text)
"""Vietnamese words with diacritics (precomposed), and any text the contracts accept."""

_offsets = st.sampled_from([dt.UTC, VIETNAM_TIME, dt.timezone(dt.timedelta(hours=-5, minutes=-30))])
timestamps = st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2090, 12, 31), timezones=_offsets)
_durations = st.timedeltas(dt.timedelta(0), dt.timedelta(days=60))
amounts = st.integers(0, 10**12)


@st.composite
def applicants(draw: st.DrawFn) -> Applicant:
    kind = draw(st.sampled_from(ApplicantKind))
    citizen = kind is ApplicantKind.CITIZEN
    return Applicant(
        kind=kind,
        name=draw(texts),
        personal_id=draw(citizen_id_numbers) if citizen else draw(st.none() | citizen_id_numbers),
        enterprise_code=None if citizen else draw(enterprise_codes()),
        phone=draw(st.none() | phone_numbers),
    )


components = st.builds(
    Component,
    code=opaque_codes,
    name=texts,
    digitised=st.booleans(),
    reused=st.booleans(),
    from_national_data_store=st.booleans(),
)
fee_lines = st.builds(
    FeeLine,
    name=texts,
    code=st.none() | opaque_codes,
    collection_method=st.sampled_from(CollectionMethod),
    amount=amounts,
)
results = st.builds(
    ResultDocument, code=opaque_codes, name=texts, electronic=st.booleans(), issued_at=st.none() | timestamps
)


@st.composite
def supplement_rounds(draw: st.DrawFn, *, open_last: bool) -> tuple[SupplementRound, ...]:
    count = draw(st.integers(1 if open_last else 0, 3))
    rounds = []
    for index in range(count):
        requested = draw(timestamps)
        returned = None if open_last and index == count - 1 else requested + draw(_durations)
        rounds.append(
            SupplementRound(requested_at=requested, returned_at=returned, reason=draw(st.none() | texts))
        )
    return tuple(rounds)


@st.composite
def dossier_events(
    draw: st.DrawFn, statuses: tuple[DossierStatus, ...] = tuple(DossierStatus)
) -> DossierStatusChanged:
    status = draw(st.sampled_from(statuses))
    received = draw(timestamps)
    if status is DossierStatus.NEW_REGISTRATION:
        received_at = None
    elif status in (DossierStatus.NOT_RECEIVED, DossierStatus.WITHDRAWN):
        received_at = draw(st.none() | st.just(received))
    else:
        received_at = received

    def after_reception(required: bool) -> dt.datetime | None:
        if received_at is None:
            return draw(st.none() | timestamps) if not required else None
        return (
            received_at + draw(_durations)
            if required
            else draw(st.none() | st.just(received_at + draw(_durations)))
        )

    return DossierStatusChanged(
        dossier_code=draw(dossier_codes),
        procedure_code=draw(procedure_codes),
        procedure_name=draw(texts),
        field_code=draw(st.none() | opaque_codes),
        receiving_agency_code=draw(agency_codes),
        processing_agency_code=draw(st.none() | agency_codes),
        status=status,
        status_changed_at=draw(timestamps),
        channel=Channel.ONLINE
        if status is DossierStatus.NEW_REGISTRATION
        else draw(st.sampled_from(Channel)),
        received_at=received_at,
        due_at=after_reception(received_at is not None),
        processed_at=after_reception(status is DossierStatus.PROCESSED),
        delivered_at=after_reception(status is DossierStatus.DELIVERED),
        applicant=draw(applicants()),
        components=tuple(draw(st.lists(components, max_size=4))),
        fees=tuple(draw(st.lists(fee_lines, max_size=3))),
        supplements=draw(supplement_rounds(open_last=status is DossierStatus.SUPPLEMENT_REQUESTED)),
        results=tuple(draw(st.lists(results, max_size=2))),
        vneid_verified=draw(st.booleans()),
        online_payment=draw(st.sampled_from(OnlinePayment)),
    )


@st.composite
def agency_fields(draw: st.DrawFn) -> dict[str, Any]:
    code = draw(agency_codes)
    level = agency_level(code)
    parent = None if level == 1 else draw(st.none() | agency_codes.filter(lambda other: other != code))
    decision = IssuingDecision(number=draw(texts), date=draw(st.dates()), issuer=draw(texts))
    return {
        "code": code,
        "name": draw(texts),
        "parent_code": parent,
        "level": level,
        "address": draw(st.none() | texts),
        "decision": decision,
    }


def _agency_events(model: type[AgencyCodeIssued | AgencyCodeAmended]) -> st.SearchStrategy[EventData]:
    return agency_fields().map(lambda fields: model(**fields))


@st.composite
def closures(draw: st.DrawFn) -> AgencyCodeClosed:
    fields = draw(agency_fields())
    successor = draw(agency_codes.filter(lambda other: other != fields["code"]))
    return AgencyCodeClosed(**fields, successor_code=successor)


payment_lines = st.builds(
    PaymentLine,
    kind=st.sampled_from(PaymentLineKind),
    name=texts,
    code=st.none() | opaque_codes,
    amount=amounts,
)


@st.composite
def payment_fields(draw: st.DrawFn, *, transaction: bool) -> dict[str, Any]:
    first = draw(payment_lines.filter(lambda line: line.amount > 0))
    lines = (first, *draw(st.lists(payment_lines, max_size=3)))
    return {
        "reference": draw(opaque_codes),
        "dossier_code": draw(dossier_codes),
        "amount": sum(line.amount for line in lines),
        "lines": lines,
        "occurred_at": draw(timestamps),
        "bank_code": draw(st.none() | opaque_codes),
        "procedure_code": draw(st.none() | procedure_codes),
        "receiving_agency_code": draw(st.none() | agency_codes),
        "transaction_id": draw(opaque_codes if transaction else st.none() | opaque_codes),
    }


def _payments(model: type[EventData], **extra: st.SearchStrategy[Any]) -> st.SearchStrategy[EventData]:
    transaction = model is not PaymentInitiated
    return st.builds(
        lambda fields, more: model(**fields, **more),
        payment_fields(transaction=transaction),
        st.fixed_dictionaries(extra),
    )


revisions = st.integers(1, 2**53)
attempts = st.integers(1, 50)


@st.composite
def sync_requests(draw: st.DrawFn) -> PortalSyncRequested:
    dossier = draw(dossier_events())
    return PortalSyncRequested(
        dossier_code=dossier.dossier_code,
        revision=draw(revisions),
        reason=draw(st.sampled_from(SyncReason)),
        requested_at=draw(timestamps),
        dossier=dossier,
    )


@st.composite
def online_submissions(draw: st.DrawFn) -> OnlineSubmissionReceived:
    dossier = draw(dossier_events(statuses=(DossierStatus.NEW_REGISTRATION,)))
    return OnlineSubmissionReceived(
        dossier_code=dossier.dossier_code,
        portal_cursor=draw(st.integers(1, 2**53)),
        submitted_at=draw(timestamps),
        dossier=dossier,
    )


@st.composite
def routed_submissions(draw: st.DrawFn) -> SubmissionRouted:
    dossier = draw(dossier_events(statuses=(DossierStatus.NEW_REGISTRATION,)))
    return SubmissionRouted(
        dossier_code=dossier.dossier_code,
        receiving_agency_code=draw(agency_codes),
        addressed_code=dossier.receiving_agency_code,
        followed_from=tuple(draw(st.lists(agency_codes, max_size=3))),
        portal_cursor=draw(st.integers(1, 2**53)),
        submitted_at=draw(timestamps),
        routed_at=draw(timestamps),
        dossier=dossier,
    )


sync_completions = st.builds(
    PortalSyncCompleted,
    dossier_code=dossier_codes,
    revision=revisions,
    status=st.sampled_from(DossierStatus),
    created=st.booleans(),
    attempts=attempts,
    requested_at=timestamps,
    acknowledged_at=timestamps,
)
sync_failures = st.builds(
    PortalSyncFailed,
    dossier_code=dossier_codes,
    revision=revisions,
    retriable=st.booleans(),
    reason_code=opaque_codes,
    message=texts,
    attempts=attempts,
    requested_at=timestamps,
    failed_at=timestamps,
)
lookup_requests = st.builds(
    PortalLookupRequested,
    dossier_code=dossier_codes,
    reason=st.sampled_from(LookupReason),
    requested_at=timestamps,
)


@st.composite
def lookup_completions(draw: st.DrawFn) -> PortalLookupCompleted:
    found = draw(st.booleans())
    return PortalLookupCompleted(
        dossier_code=draw(dossier_codes),
        found=found,
        status=draw(st.sampled_from(DossierStatus)) if found else None,
        looked_up_at=draw(timestamps),
        requested_at=draw(timestamps),
    )


EVENT_DATA: dict[type[EventData], st.SearchStrategy[Any]] = {
    DossierStatusChanged: dossier_events(),
    AgencyCodeIssued: _agency_events(AgencyCodeIssued),
    AgencyCodeAmended: _agency_events(AgencyCodeAmended),
    AgencyCodeClosed: closures(),
    PaymentInitiated: _payments(PaymentInitiated),
    PaymentPending: _payments(PaymentPending),
    PaymentSucceeded: _payments(PaymentSucceeded),
    PaymentFailed: _payments(PaymentFailed, error_code=st.none() | opaque_codes, reason=st.none() | texts),
    PaymentRefunded: _payments(PaymentRefunded, reason=st.none() | texts),
    PortalSyncRequested: sync_requests(),
    PortalSyncCompleted: sync_completions,
    PortalSyncFailed: sync_failures,
    PortalLookupRequested: lookup_requests,
    PortalLookupCompleted: lookup_completions(),
    OnlineSubmissionReceived: online_submissions(),
    SubmissionRouted: routed_submissions(),
}
"""A strategy per registered event type."""


def envelopes(data: st.SearchStrategy[EventData]) -> st.SearchStrategy[Envelope[EventData]]:
    return st.builds(
        Envelope,
        id=opaque_codes,
        source=st.one_of(agency_codes, st.just("urn:lienthong:connector:portal")),
        time=timestamps,
        data=data,
    )
