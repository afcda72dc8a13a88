"""``lienthong simulate``: generate-only writes the same files every time; bad options are refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from connectors.simulator import simulate as generate
from connectors.simulator import write_events
from deploy.cli.simulate import simulate

SMALL = ["--province", "dong-nai", "--days", "2", "--scale", "0.05", "--seed", "8", "--start", "2025-08-01"]


def _generate(directory: Path, *extra: str) -> tuple[bytes, bytes]:
    truth, events = directory / "truth.json", directory / "events.jsonl"
    result = CliRunner().invoke(
        simulate, [*SMALL, *extra, "--generate-only", "--truth", str(truth), "--events", str(events)]
    )
    assert result.exit_code == 0, result.output
    return truth.read_bytes(), events.read_bytes()


def test_generate_only_writes_identical_files_on_every_run(tmp_path: Path) -> None:
    first = _generate(tmp_path / "one")
    second = _generate(tmp_path / "two")
    assert first == second
    truth = json.loads(first[0])
    assert truth["parameters"]["province"] == "dong-nai"
    assert truth["parameters"]["scale"] == {"numerator": 1, "denominator": 20, "value": 0.05}
    lines = first[1].decode().splitlines()
    assert len(lines) == truth["traffic"]["province_event_requests"] + truth["traffic"]["invalid_events"]
    assert all(json.loads(line)["specversion"] == "1.0" for line in lines)


def test_the_events_file_is_the_library_output(tmp_path: Path) -> None:
    _, events = _generate(tmp_path)
    sim = generate("dong-nai", start=dt.date(2025, 8, 1), days=2, seed=8, scale="0.05")
    write_events(sim, tmp_path / "library.jsonl")
    assert (tmp_path / "library.jsonl").read_bytes() == events


def test_mess_rates_are_taken_from_the_command_line(tmp_path: Path) -> None:
    truth, _ = _generate(tmp_path, "--mess", "invalid=1/2", "--mess", "out-of-order=0")
    mess = json.loads(truth)["parameters"]["mess"]
    assert mess["invalid"]["value"] == 0.5
    assert mess["out_of_order"]["numerator"] == 0


def test_an_unknown_messy_part_is_refused() -> None:
    result = CliRunner().invoke(
        simulate, [*SMALL, "--generate-only", "--truth", "x.json", "--mess", "gremlins=0.1"]
    )
    assert result.exit_code == 2
    assert "unknown messy part" in result.output


def test_generate_only_needs_a_file_to_write() -> None:
    result = CliRunner().invoke(simulate, [*SMALL, "--generate-only"])
    assert result.exit_code == 2
    assert "--truth" in result.output
