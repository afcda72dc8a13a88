"""The demo publishes one event of each family to a real broker and reads each back intact."""

from __future__ import annotations

import json

import pytest

from deploy.roundtrip import DemoResult, display, run_demo

pytestmark = pytest.mark.kafka


async def test_demo_round_trips_one_event_of_each_family(kafka_bootstrap: str) -> None:
    reported: list[DemoResult] = []
    results = await run_demo(kafka_bootstrap, report=reported.append)

    assert reported == results
    assert [result.received.type.split(".")[3] for result in results] == ["dossier", "identity", "payment"]
    assert all(result.intact for result in results)
    assert all(
        result.topic.startswith(f"lienthong.{result.received.type.split('.')[3]}.") for result in results
    )


async def test_demo_display_masks_personal_data(kafka_bootstrap: str) -> None:
    results = await run_demo(kafka_bootstrap, report=lambda _result: None)
    shown = json.dumps([display(result) for result in results], ensure_ascii=False)
    dossier = results[0].sent.data.model_dump()
    for secret in (
        dossier["applicant"]["personal_id"],
        dossier["applicant"]["name"],
        dossier["applicant"]["phone"],
    ):
        assert secret not in shown
    assert dossier["dossier_code"] in shown
