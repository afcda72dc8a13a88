"""Fixtures of the province connector's integration tests: ingest processes on the test's topic prefix."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fixtures.province import IngestProcess

StartIngest = Callable[..., IngestProcess]


@pytest.fixture
def start_ingest(kafka_bootstrap: str, topic_prefix: str, tmp_path: Path) -> Iterator[StartIngest]:
    """``start_ingest(**settings)``: a ready ingest process on this test's topics, stopped after the test."""
    started: list[IngestProcess] = []

    def start(**settings: str) -> IngestProcess:
        process = IngestProcess(
            kafka_bootstrap,
            log=tmp_path / f"ingest-{len(started)}.log",
            settings={"topic_prefix": topic_prefix, **settings},
        )
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()
