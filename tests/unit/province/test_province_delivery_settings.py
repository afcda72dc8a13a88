"""The delivery's settings and command: webhook URL and secret from the environment, the secret masked, and
``deliver`` refusing to start without them."""

from __future__ import annotations

import pydantic
import pytest
from click.testing import CliRunner

from connectors.province import ProvinceSettings, SubmissionDelivery
from deploy.cli.connector_province import province


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET", "TOPIC_PREFIX", "DELIVER_GROUP_ID"):
        monkeypatch.delenv(f"LIENTHONG_PROVINCE_{name}", raising=False)


def test_webhook_settings_come_from_the_environment_and_the_secret_is_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIENTHONG_PROVINCE_WEBHOOK_URL", "https://mc.test/hook?token=t0ken")
    monkeypatch.setenv("LIENTHONG_PROVINCE_WEBHOOK_SECRET", "s3cret-value")
    settings = ProvinceSettings()
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == "s3cret-value"
    dump = settings.masked()
    assert dump["webhook_url"] == "https://mc.test/hook"
    assert "s3cret-value" not in str(dump)
    assert "t0ken" not in str(dump)


@pytest.mark.parametrize("url", ["ftp://mc.test/hook", "mc.test/hook", "http://", "http://mc.test/a b"])
def test_a_webhook_url_must_be_http(url: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        ProvinceSettings(webhook_url=url)


def test_retry_numbers_make_the_policy_and_bound_the_poll_interval() -> None:
    settings = ProvinceSettings(
        webhook_retry_max_attempts=3,
        webhook_retry_max_delay_seconds=4.0,
        webhook_retry_after_cap_seconds=2.0,
        webhook_timeout_seconds=1.0,
        deliver_max_batch_records=2,
    )
    policy = settings.webhook_policy()
    assert (policy.max_attempts, policy.max_delay, policy.retry_after_cap) == (3, 4.0, 2.0)
    assert settings.deliver_max_poll_interval_ms >= 2 * (4.0 + 2.0 + 1.0) * 1000


def test_delivery_needs_a_url_and_a_secret_and_names_its_topics() -> None:
    with pytest.raises(ValueError, match="webhook_url and webhook_secret"):
        SubmissionDelivery(ProvinceSettings(webhook_url="http://127.0.0.1:1/hook"))
    settings = ProvinceSettings(
        webhook_url="http://127.0.0.1:1/hook",
        webhook_secret="s",  # noqa: S106 - a test value
        topic_prefix="h14.",
    )
    delivery = SubmissionDelivery(settings)
    assert delivery.topic == "h14.lienthong.province.submissions.v1"
    assert delivery.dead_letter_topic == "h14.lienthong.province.submissions.v1.dlq"


def test_deliver_refuses_to_start_without_a_url_or_a_secret() -> None:
    runner = CliRunner()
    result = runner.invoke(province, ["deliver"])
    assert result.exit_code == 2
    assert "--webhook-url" in result.output
    result = runner.invoke(province, ["deliver", "--webhook-url", "http://127.0.0.1:1/hook"])
    assert result.exit_code == 2
    assert "LIENTHONG_PROVINCE_WEBHOOK_SECRET" in result.output
    result = runner.invoke(province, ["deliver", "--webhook-url", "not-a-url"])
    assert result.exit_code == 1
    assert "invalid province connector settings" in result.output
