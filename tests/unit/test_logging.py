"""Log lines never carry personal data in clear: the masking processor sees every line."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from deploy.logging import configure_logging

PERSONAL_ID = "004095012345"
OLD_ID = "123456789"
PHONE = "0912345678"


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    configure_logging(level="DEBUG", json=True)
    yield capsys
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    err = capsys.readouterr().err
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_personal_numbers_in_messages_and_values_are_masked(json_logs: pytest.CaptureFixture[str]) -> None:
    structlog.get_logger().info(
        f"citizen {PERSONAL_ID} called from {PHONE}", detail={"nested": [f"cmnd {OLD_ID}"]}, amount=200000
    )
    (line,) = _lines(json_logs)
    text = json.dumps(line)
    for secret in (PERSONAL_ID, OLD_ID, PHONE):
        assert secret not in text
    assert line["amount"] == 200000


def test_personal_keys_are_masked_whatever_their_value(json_logs: pytest.CaptureFixture[str]) -> None:
    structlog.get_logger().info("applicant", name="Nguyễn Văn A", applicant={"phone": "+84912345678"})
    (line,) = _lines(json_logs)
    assert "Nguyễn" not in json.dumps(line, ensure_ascii=False)
    assert "912345678" not in json.dumps(line)


def test_codes_keep_their_shape(json_logs: pytest.CaptureFixture[str]) -> None:
    structlog.get_logger().info("synced", dossier="000.00.20.H56-250612-0007", ref="G09.20-20260609-0092637")
    (line,) = _lines(json_logs)
    assert line["dossier"] == "000.00.20.H56-250612-0007"
    assert line["ref"] == "G09.20-20260609-0092637"


def test_standard_library_loggers_are_masked_too(json_logs: pytest.CaptureFixture[str]) -> None:
    logging.getLogger("some.library").warning("lookup failed for %s", PERSONAL_ID)
    (line,) = _lines(json_logs)
    assert PERSONAL_ID not in json.dumps(line)
    assert line["logger"] == "some.library"
