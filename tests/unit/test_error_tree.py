"""One error tree: every family lienthong raises on purpose descends from ``LienthongError``, and
retriability is read from the class alone."""

from __future__ import annotations

import pytest

from connectors.errors import (
    CircuitOpenError,
    ConnectorError,
    PortalRefusedError,
    PortalThrottledError,
    PortalUnavailableError,
)
from connectors.portal.commands import StampUnreadableError
from connectors.portal.retries import is_retriable as connector_retriable
from contracts import ContractError, InvalidPayloadError, LienthongError, is_retriable
from hub.app.processing import MisroutedEventError
from hub.dlq.errors import DeadLetterToolError
from hub.store.errors import (
    StoreBusyError,
    StoreConflictError,
    StoreCorruptError,
    StoreError,
    StoreUnavailableError,
)


@pytest.mark.parametrize(
    "family",
    [
        ContractError,
        ConnectorError,
        StoreError,
        DeadLetterToolError,
        MisroutedEventError,
        StampUnreadableError,
    ],
)
def test_every_family_is_a_branch_of_the_one_tree(family: type[Exception]) -> None:
    assert issubclass(family, LienthongError)


@pytest.mark.parametrize(
    ("error", "retriable"),
    [
        (PortalUnavailableError("503"), True),
        (PortalThrottledError("429", retry_after=2.0), True),
        (CircuitOpenError("open", retry_after=1.0), True),
        (StoreBusyError("locked"), True),
        (StoreUnavailableError("gone"), True),
        (StoreConflictError("moved"), True),
        (PortalRefusedError("01", error_code="01"), False),
        (InvalidPayloadError("not JSON"), False),
        (StoreCorruptError("damaged"), False),
        (MisroutedEventError("wrong topic"), False),
        (ValueError("a defect"), False),  # foreign to the tree: never retried blindly
        (TimeoutError(), False),
    ],
)
def test_retriability_is_read_from_the_class(error: BaseException, retriable: bool) -> None:
    assert is_retriable(error) is retriable
    assert connector_retriable(error) is retriable
