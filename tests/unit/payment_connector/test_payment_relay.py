"""The relay: one event per (reference, transaction id, outcome), recorded only after Kafka acknowledged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.errors import CallbackRejectedError, PublishError
from connectors.payment.messages import Registration
from connectors.payment.metrics import Metrics
from connectors.payment.relay import PaymentRelay, Registered
from connectors.payment.store import TransactionState, TransactionStore
from connectors.payment.translation import Outcome, PublicationKey
from contracts import PaymentFailed, PaymentInitiated, PaymentSucceeded
from tests.unit.payment_connector.doubles import (
    DOSSIER,
    FORGER_SECRET,
    SECRET,
    MemorySink,
    callback,
    registration,
)

REFERENCE = f"{DOSSIER}-20250612080000"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[TransactionStore]:
    store = TransactionStore(tmp_path / "payment.sqlite3")
    store.open()
    yield store
    store.close()


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink()


@pytest.fixture
def relay(store: TransactionStore, sink: MemorySink) -> PaymentRelay:
    return PaymentRelay(
        store,
        sink,
        source="urn:lienthong:connector:payment",
        partner_code="LIENTHONG",
        partner_secret=SECRET,
        metrics=Metrics(),
    )


async def test_registration_publishes_initiated_once(relay: PaymentRelay, sink: MemorySink) -> None:
    """The same registration twice: one PaymentInitiated; other content under the reference: a conflict."""
    assert await relay.register(Registration.model_validate(registration())) is Registered.CREATED
    assert await relay.register(Registration.model_validate(registration())) is Registered.ALREADY
    other = registration(SoTien=6000, DanhSachPhiLePhi=None)
    assert await relay.register(Registration.model_validate(other)) is Registered.CONFLICT
    (initiated,) = sink.envelopes
    assert isinstance(initiated.data, PaymentInitiated)
    assert initiated.subject == DOSSIER
    assert initiated.id == PublicationKey.of(REFERENCE, None, Outcome.INITIATED).event_id
    assert [line.kind for line in initiated.data.lines] == ["fee", "charge"]


async def test_registration_without_lines_gets_one_charge_line(relay: PaymentRelay, sink: MemorySink) -> None:
    await relay.register(Registration.model_validate(registration(DanhSachPhiLePhi=None)))
    (line,) = sink.envelopes[0].data.lines  # type: ignore[attr-defined]
    assert (line.kind, line.name, line.amount) == ("charge", "Lệ phí", 56000)


async def test_registration_whose_lines_do_not_add_up_is_refused(relay: PaymentRelay) -> None:
    with pytest.raises(ValueError, match="lines sum to"):
        await relay.register(Registration.model_validate(registration(SoTien=60000)))


async def test_duplicate_callbacks_publish_one_event(relay: PaymentRelay, sink: MemorySink) -> None:
    await relay.register(Registration.model_validate(registration()))
    assert await relay.confirm(callback()) is True
    assert await relay.confirm(callback()) is False
    assert sink.types == ["PaymentInitiated", "PaymentSucceeded"]
    succeeded = sink.envelopes[1]
    assert isinstance(succeeded.data, PaymentSucceeded)
    assert succeeded.id == PublicationKey.of(REFERENCE, "GD20250612083000000001", Outcome.SUCCEEDED).event_id
    assert succeeded.data.occurred_at.isoformat() == "2025-06-12T08:30:00+07:00"
    assert succeeded.data.bank_code == "VCB"


async def test_concurrent_duplicates_publish_one_event(relay: PaymentRelay, sink: MemorySink) -> None:
    """Both copies of a duplicated callback arriving at once: the reference's lock lets one publish."""
    await relay.register(Registration.model_validate(registration()))
    results = await asyncio.gather(*(relay.confirm(callback()) for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    assert sink.types == ["PaymentInitiated", "PaymentSucceeded"]


async def test_unacknowledged_publish_is_not_recorded_and_the_retry_reuses_the_id(
    relay: PaymentRelay, sink: MemorySink, store: TransactionStore
) -> None:
    await relay.register(Registration.model_validate(registration()))
    sink.fail_next = 1
    with pytest.raises(PublishError):
        await relay.confirm(callback())
    key = PublicationKey.of(REFERENCE, "GD20250612083000000001", Outcome.SUCCEEDED)
    assert await store.published(key) is None
    assert await relay.confirm(callback()) is True
    assert sink.envelopes[-1].id == key.event_id
    assert await store.published(key) == key.event_id


async def test_failed_callback_publishes_failed_with_the_error_code(
    relay: PaymentRelay, sink: MemorySink
) -> None:
    await relay.register(Registration.model_validate(registration()))
    await relay.confirm(callback(MaLoi="01", MoTaLoi="Giao dịch không thành công"))
    failed = sink.envelopes[-1].data
    assert isinstance(failed, PaymentFailed)
    assert (failed.error_code, failed.reason) == ("01", "Giao dịch không thành công")


async def test_a_failure_never_follows_a_success(
    relay: PaymentRelay, sink: MemorySink, store: TransactionStore
) -> None:
    await relay.register(Registration.model_validate(registration()))
    await relay.confirm(callback())
    assert await relay.confirm(callback(MaLoi="01")) is False
    published = await relay.settle(
        REFERENCE, Outcome.FAILED, transaction_id=None, occurred_at=None, via="expiry"
    )
    assert published is False
    assert sink.types == ["PaymentInitiated", "PaymentSucceeded"]
    found = await store.transaction(REFERENCE)
    assert found is not None
    assert found.state is TransactionState.SUCCEEDED


async def test_a_success_after_expiry_is_published(relay: PaymentRelay, sink: MemorySink) -> None:
    """The platform confirms a payment the connector had given up: the hub must see the money was taken."""
    await relay.register(Registration.model_validate(registration()))
    await relay.settle(
        REFERENCE, Outcome.FAILED, transaction_id=None, occurred_at=None, via="expiry", reason="expired"
    )
    assert await relay.confirm(callback()) is True
    assert sink.types == ["PaymentInitiated", "PaymentFailed", "PaymentSucceeded"]
    expired = sink.envelopes[1].data
    assert isinstance(expired, PaymentFailed)
    assert (expired.reason, expired.transaction_id) == ("expired", REFERENCE)


async def test_pending_is_published_once(relay: PaymentRelay, sink: MemorySink) -> None:
    await relay.register(Registration.model_validate(registration()))
    for transaction_id in (None, None, "GD1"):
        await relay.settle(
            REFERENCE, Outcome.PENDING, transaction_id=transaction_id, occurred_at=None, via="query"
        )
    assert sink.types == ["PaymentInitiated", "PaymentPending"]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (callback(secret=FORGER_SECRET), "signature"),
        (callback(SoTien="năm mươi"), "malformed"),
        (callback(ThoiGianGD="2025-06-12"), "malformed"),
        (callback(MaDoiTac="OTHER"), "partner"),
        (callback(f"{DOSSIER}-never-registered"), "unknown"),
        (callback(SoTien=5600), "mismatch"),
        (callback(MaHoSo="000.00.20.H14-250612-0008"), "mismatch"),
    ],
    ids=["forged", "amount-not-a-number", "time-malformed", "partner", "unknown", "amount", "dossier"],
)
async def test_refused_callbacks_publish_nothing(
    message: dict[str, object], reason: str, relay: PaymentRelay, sink: MemorySink
) -> None:
    await relay.register(Registration.model_validate(registration()))
    with pytest.raises(CallbackRejectedError) as caught:
        await relay.confirm(message)
    assert caught.value.reason == reason
    assert sink.types == ["PaymentInitiated"]


def test_event_ids_are_deterministic_and_distinct() -> None:
    first = PublicationKey.of("R1", "GD1", Outcome.SUCCEEDED)
    assert first.event_id == PublicationKey.of("R1", "GD1", Outcome.SUCCEEDED).event_id
    others = {
        PublicationKey.of("R1", "GD1", Outcome.FAILED).event_id,
        PublicationKey.of("R1", "GD2", Outcome.SUCCEEDED).event_id,
        PublicationKey.of("R2", "GD1", Outcome.SUCCEEDED).event_id,
    }
    assert first.event_id not in others
    assert len(others) == 3
    assert PublicationKey.of("R1", "GD9", Outcome.PENDING) == PublicationKey.of("R1", None, Outcome.PENDING)
