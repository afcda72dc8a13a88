"""Translating the portal's HTTP answers into the connector's errors, status by status."""

from __future__ import annotations

import datetime as dt
import email.utils

import httpx
import pytest

from connectors.errors import (
    PortalProtocolError,
    PortalRefusedError,
    PortalThrottledError,
    PortalUnavailableError,
)
from connectors.portal.answers import body_of, check_code, check_status, retry_after, transport_failure


def _response(status: int, body: bytes = b"{}", **headers: str) -> httpx.Response:
    return httpx.Response(
        status, content=body, headers={key.replace("_", "-"): value for key, value in headers.items()}
    )


def test_ok_passes() -> None:
    check_status("lookup", _response(200))
    assert check_code("create", {"error_code": "00"}) == "00"


def test_429_is_throttled_with_its_retry_after() -> None:
    with pytest.raises(PortalThrottledError) as caught:
        check_status("lookup", _response(429, retry_after="7"))
    assert caught.value.retry_after == 7.0
    with pytest.raises(PortalThrottledError) as default:
        check_status("lookup", _response(429))
    assert default.value.retry_after == 1.0


def test_retry_after_as_an_http_date() -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    waited = retry_after(_response(503, retry_after=email.utils.format_datetime(later, usegmt=True)))
    assert waited is not None
    assert 25 <= waited <= 30
    assert retry_after(_response(503, retry_after="soon")) is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_unavailable(status: int) -> None:
    with pytest.raises(PortalUnavailableError) as caught:
        check_status("update", _response(status, retry_after="3"))
    assert caught.value.retriable
    assert caught.value.retry_after == 3.0
    assert not isinstance(caught.value, PortalThrottledError)


@pytest.mark.parametrize("status", [400, 403, 404, 405])
def test_other_statuses_are_protocol_errors(status: int) -> None:
    with pytest.raises(PortalProtocolError) as caught:
        check_status("update", _response(status))
    assert not caught.value.retriable


def test_transport_failures_are_unavailable() -> None:
    request = httpx.Request("POST", "http://portal/api")
    dropped = transport_failure("create", httpx.RemoteProtocolError("Server disconnected", request=request))
    assert dropped.retriable
    assert "RemoteProtocolError" in str(dropped)
    timed_out = transport_failure("create", httpx.ReadTimeout("timed out", request=request))
    assert "no answer in time" in str(timed_out)


def test_bodies_and_codes() -> None:
    with pytest.raises(PortalProtocolError):
        body_of("lookup", _response(200, b"<html>"))
    with pytest.raises(PortalProtocolError):
        body_of("lookup", _response(200, b"[1]"))
    with pytest.raises(PortalProtocolError):
        check_code("lookup", {"message": "no code"})
    with pytest.raises(PortalRefusedError) as refused:
        check_code("create", {"error_code": "03", "message": "Hồ sơ đã tồn tại"})
    assert refused.value.error_code == "03"
    assert "Hồ sơ đã tồn tại" in str(refused.value)
