"""The committed AsyncAPI document is FastStream's current output, lists every topic and event type, and
passes the official AsyncAPI parser (Node.js, ``@asyncapi/parser``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from contracts import TOPICS
from contracts.schema import render
from deploy.asyncapi import ASYNCAPI_FILE, asyncapi_document

PARSER_DIRECTORY = Path(__file__).resolve().parents[2] / "contracts_asyncapi"
INSTALL = "npm ci --prefix tests/contracts_asyncapi"


def test_committed_asyncapi_equals_a_fresh_export() -> None:
    assert ASYNCAPI_FILE.read_text(encoding="utf-8") == render(asyncapi_document()), (
        "run `lienthong schema export` and commit contracts/schemas/asyncapi.json"
    )


def test_document_lists_every_topic_and_event_type() -> None:
    document = json.loads(ASYNCAPI_FILE.read_text(encoding="utf-8"))

    assert document["asyncapi"] == "3.0.0"
    assert {channel["address"] for channel in document["channels"].values()} == {
        topic.name for topic in TOPICS
    }
    for topic in TOPICS:
        channel = document["channels"][topic.name]
        assert sorted(channel["messages"]) == sorted(event.__name__ for event in topic.events)
        assert document["operations"][topic.name]["action"] == "send"
        for event in topic.events:
            message = document["components"]["messages"][event.event_type]
            assert message["headers"]["properties"]["ce_type"]["const"] == event.event_type
            assert message["payload"] == {"$ref": f"#/components/schemas/{event.__name__}"}
            assert event.__name__ in document["components"]["schemas"]


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: the AsyncAPI document is validated with `node`")
    if not (PARSER_DIRECTORY / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.fail(f"the AsyncAPI parser is not installed: run `{INSTALL}` (make node-deps)")
    return subprocess.run(
        [node, "validate.mjs", str(path)],
        cwd=PARSER_DIRECTORY,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.node
def test_official_asyncapi_parser_accepts_the_document() -> None:
    result = _validate(ASYNCAPI_FILE)

    assert result.returncode == 0, result.stdout + result.stderr
    for topic in TOPICS:
        assert topic.name in result.stdout


@pytest.mark.node
def test_official_asyncapi_parser_rejects_a_broken_document(tmp_path: Path) -> None:
    """The validation step is not vacuous: a message pointing at a missing schema fails it."""
    document = json.loads(ASYNCAPI_FILE.read_text(encoding="utf-8"))
    del document["components"]["schemas"]["DossierStatusChanged"]
    broken = tmp_path / "asyncapi.json"
    broken.write_text(json.dumps(document), encoding="utf-8")

    result = _validate(broken)

    assert result.returncode == 1
    assert "error:" in result.stdout
    assert "DossierStatusChanged" in result.stdout
