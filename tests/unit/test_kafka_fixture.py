"""The Kafka test fixtures' own decisions: names they hand out and when they look for Docker."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.kafka import _docker_answers, unique_name


def test_unique_names_are_legal_kafka_names_and_never_repeat() -> None:
    """Names keep the test's name readable, use only [A-Za-z0-9-], stay short and differ on every call."""
    names = {unique_name("topic", "test_roundtrip[acks=all-3 partitions]") for _ in range(100)}
    assert len(names) == 100
    for name in names:
        assert re.fullmatch(r"topic-test-roundtrip-acks-all-3-partitions-[0-9a-f]{10}", name)
    assert len(unique_name("group", "x" * 500)) < 249


@pytest.mark.parametrize("host", ["tcp://127.0.0.1:1", "unix:///nonexistent/docker.sock"])
def test_an_unanswering_docker_host_means_no_docker(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A DOCKER_HOST nobody answers on is 'no Docker' (the local broker is used), with no warning leaking."""
    monkeypatch.setenv("DOCKER_HOST", host)
    assert _docker_answers() is False
