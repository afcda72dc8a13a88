"""The hub's HTTP side on a running app: health, readiness, metrics, the report, a masked dossier."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from contracts import encode
from deploy.topology import ensure_topics
from hub.app import create_app, dead_letter_topics
from hub.settings import HubSettings
from tests.integration.hub_app.traffic import dossier_topic, produce, run_until_quiescent
from tests.unit.hub.factories import CODE, at, event

pytestmark = pytest.mark.kafka


async def test_the_http_side_reports_the_ledger_with_personal_data_masked(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    """/healthz, /readyz, /metrics, /report and /dossiers/{code} answer from the store the app writes."""
    db = tmp_path / "ledger.sqlite3"
    settings = HubSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        group_id=group_id,
        database_url=f"sqlite:///{db}",
        http_port=0,
        relay_interval_seconds=0.2,
    )
    await ensure_topics(kafka_bootstrap, dead_letter_topics(settings), partitions=1)
    envelope = event(4, at(1, 9), "http-1")
    name = envelope.data.applicant.name
    await produce(kafka_bootstrap, dossier_topic(topic_prefix), [encode(envelope)])
    app = create_app(settings)
    answers: dict[str, httpx.Response] = {}

    async def look() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app.http_port}") as client:
            for path in ("/healthz", "/readyz", "/metrics", "/report", f"/dossiers/{CODE}", "/dossiers/none"):
                answers[path] = await client.get(path)

    await run_until_quiescent(
        app, kafka_bootstrap, group_id, dossier_topic(topic_prefix), db, before_stop=look
    )

    assert answers["/healthz"].status_code == 200
    assert answers["/readyz"].json() == {"status": "ready"}
    metrics = answers["/metrics"].text
    assert 'lienthong_hub_events_total{outcome="applied",topic="lienthong.dossier.events.v1"} 1.0' in metrics
    assert "lienthong_hub_outbox_pending 0.0" in metrics
    assert answers["/report"].status_code == 200
    dossier = answers[f"/dossiers/{CODE}"]
    assert dossier.json()["province"]["revision"] == 1
    assert name not in dossier.text
    assert "<personal data>" in dossier.text
    assert answers["/dossiers/none"].status_code == 404
