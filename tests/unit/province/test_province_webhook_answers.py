"""What each webhook answer means for a record: delivered, retried, dead-lettered, or held."""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest

from connectors.province.webhook import (
    WebhookAuthError,
    WebhookProtocolError,
    WebhookRefusedError,
    WebhookThrottledError,
    WebhookUnavailableError,
    answer_error,
    parse_retry_after,
    refusal_code,
)

NOW = dt.datetime(2025, 7, 1, 1, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("status", [200, 201, 202, 204, 208, 299])
def test_every_2xx_is_delivered(status: int) -> None:
    assert answer_error(status, now=NOW) is None


@pytest.mark.parametrize("status", [400, 404, 405, 409, 410, 413, 415, 422, 451])
def test_other_4xx_are_refusals_of_the_event_that_go_to_the_dead_letters(status: int) -> None:
    error = answer_error(status, retry_after="5", now=NOW)
    assert isinstance(error, WebhookRefusedError)
    assert (error.dead_letter, error.retriable, error.status) == (True, False, status)
    assert f"HTTP {status}" in str(error)


@pytest.mark.parametrize("status", [408, 500, 502, 503, 504, 599])
def test_5xx_and_408_are_retried_with_the_retry_after_given(status: int) -> None:
    error = answer_error(status, retry_after="3", now=NOW)
    assert isinstance(error, WebhookUnavailableError)
    assert not isinstance(error, WebhookThrottledError)
    assert (error.retriable, error.dead_letter, error.retry_after) == (True, False, 3.0)
    assert answer_error(status, now=NOW).retry_after is None  # type: ignore[union-attr]


def test_429_is_throttling_retried_after_what_it_asks() -> None:
    error = answer_error(429, retry_after="7", now=NOW)
    assert isinstance(error, WebhookThrottledError)
    assert (error.retriable, error.dead_letter, error.retry_after) == (True, False, 7.0)
    later = email.utils.format_datetime(NOW + dt.timedelta(seconds=42), usegmt=True)
    assert answer_error(429, retry_after=later, now=NOW).retry_after == 42.0  # type: ignore[union-attr]
    assert answer_error(429, now=NOW).retry_after is None  # type: ignore[union-attr]


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_secret_holds_the_partition_instead_of_dead_lettering_every_event(status: int) -> None:
    error = answer_error(status, now=NOW)
    assert isinstance(error, WebhookAuthError)
    assert (error.retriable, error.dead_letter) == (False, False)


@pytest.mark.parametrize("status", [100, 301, 302, 307, 308])
def test_answers_that_are_no_verdict_point_at_a_wrong_url_and_hold(status: int) -> None:
    error = answer_error(status, now=NOW)
    assert isinstance(error, WebhookProtocolError)
    assert (error.retriable, error.dead_letter) == (False, False)


def test_a_refusal_names_the_webhooks_error_code() -> None:
    error = answer_error(422, code="unknown_procedure", now=NOW)
    assert str(error) == "the webhook refused the event: HTTP 422 (unknown_procedure)"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            b'{"error": "unknown_agency", "reason": "Nguy\\u1ec5n Th\\u1ecb H\\u1ed3ng 004095001234"}',
            "unknown_agency",
        ),
        (b'{"code": "E-17"}', "E-17"),
        (b'{"error": "not a token, it has spaces", "code": "E1"}', "E1"),
        (b'{"error": "004095001234 Nguy\\u1ec5n"}', None),
        (b'{"error": 17}', None),
        (b'["unknown_agency"]', None),
        (b"Bad Request", None),
        (b"\xff\xfe", None),
        (b"", None),
    ],
)
def test_only_a_token_like_error_code_is_taken_from_a_refusal(body: bytes, code: str | None) -> None:
    assert refusal_code(body) == code


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        (" 12 ", 12.0),
        ("Tue, 01 Jul 2025 01:00:30 GMT", 30.0),
        ("Tue, 01 Jul 2025 00:59:00 GMT", 0.0),
        ("-1", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_delta_seconds_or_an_http_date(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds
