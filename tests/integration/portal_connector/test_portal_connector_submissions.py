"""Online submissions filed on the portal reach the submissions topic exactly once each, across a restart."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from connectors.portal import PortalConnector, PortalConnectorSettings
from connectors.portal.cursor import CursorStore
from connectors.portal.producer import RecordProducer
from contracts import OnlineSubmissionReceived
from tests.integration.portal_connector.connector_harness import TopicReader, running
from tests.unit.portal_connector.portal_factories import PERSONAL_ID

pytestmark = pytest.mark.kafka


def _file(admin: httpx.Client, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "MaCoQuanTiepNhan": "000.00.20.H14",
        "MaTTHC": "1.000010",
        "TenTTHC": "Đăng ký khai sinh",
        "MaLinhVuc": "HT",
        "ChuHoSo": "Lục Thị Cúc",
        "LoaiDoiTuong": 1,
        "MaDoiTuong": PERSONAL_ID,
        "TaiKhoanDuocXacThucVoiVNeID": 1,
        "TaiLieuNop": [{"MaThanhPhanHoSo": "TK", "TenTepDinhKem": "to-khai.pdf", "DuocLayTuKhoDMQG": 1}],
    }
    body.update(overrides)
    answer = admin.post("/citizen/submissions", json={k: v for k, v in body.items() if v is not None})
    answer.raise_for_status()
    filed: dict[str, Any] = answer.json()
    assert filed["error_code"] == "00"
    return filed


async def test_submissions_are_published_once_each_across_a_restart(
    connector_settings: PortalConnectorSettings, portal_admin: httpx.Client
) -> None:
    """Five, then three more after a restart: eight events, one per dossier, ids from the portal's cursor."""
    settings = connector_settings.model_copy(update={"poll_page_size": 2})
    first_batch = [_file(portal_admin) for _ in range(5)]
    unfit = _file(portal_admin, MaDoiTuong=None)  # a citizen without an ID number: the contracts refuse it
    first = PortalConnector(settings, consume=False)
    async with TopicReader(settings.kafka_bootstrap_servers, first.topics.submissions) as submissions:
        async with running(first):
            await submissions.wait_for(5, settle=0.5)
        second_batch = [_file(portal_admin) for _ in range(3)]
        second = PortalConnector(settings, consume=False)
        async with running(second):
            await submissions.wait_for(8, settle=1.0)
        async with TopicReader(
            settings.kafka_bootstrap_servers, first.topics.submission_dead_letters
        ) as dead:
            await dead.wait_for(1, settle=0.3)

    events = submissions.events()
    filed = first_batch + second_batch
    assert Counter(event.data.business_key for event in events) == Counter(item["MaHoSo"] for item in filed)
    by_code = {item["MaHoSo"]: item for item in filed}
    for event in events:
        data = event.data
        item = by_code[data.business_key]
        assert isinstance(data, OnlineSubmissionReceived)
        assert event.id == f"portal-submission-{item['cursor']}"
        assert data.portal_cursor == item["cursor"]
        assert data.dossier.status == 1
        assert data.dossier.applicant.personal_id == PERSONAL_ID
        assert data.dossier.receiving_agency_code == "000.00.20.H14"
    (dead_letter,) = dead.records
    assert dead_letter.key == unfit["MaHoSo"].encode()
    assert dict(dead_letter.headers)["dlq_error_class"] == b"PortalRecordError"
    assert dict(dead_letter.headers)["dlq_portal_cursor"] == str(unfit["cursor"]).encode()
    assert PERSONAL_ID.encode() not in b"".join(value or b"" for _, value in dead_letter.headers)
    assert (first.stats.submissions_published, second.stats.submissions_published) == (5, 3)

    async with RecordProducer(settings.kafka_bootstrap_servers, client_id="tests") as producer:
        stored = await CursorStore(
            settings.kafka_bootstrap_servers, first.topics.cursor, settings.cursor_key, producer
        ).load()
    assert stored == max(item["cursor"] for item in [*filed, unfit])
