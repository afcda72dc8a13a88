"""Generation is a pure function of its arguments: same seed, same bytes; another seed, other traffic."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from connectors.simulator import events_lines, profile, simulate, truth_bytes

START = dt.date(2025, 7, 1)
ROOT = Path(__file__).resolve().parents[3]


def _truth(seed: int, **kwargs: Any) -> bytes:
    return truth_bytes(simulate("cao-bang", start=START, days=5, seed=seed, **kwargs))


def test_the_same_seed_gives_byte_identical_truth_and_events() -> None:
    first = simulate("cao-bang", start=START, days=5, seed=42)
    second = simulate("cao-bang", start=START, days=5, seed=42)
    assert truth_bytes(first) == truth_bytes(second)
    assert events_lines(first) == events_lines(second)


def test_another_seed_gives_other_traffic() -> None:
    first, second = json.loads(_truth(1)), json.loads(_truth(2))
    assert first["dossiers"] != second["dossiers"]
    assert first["parameters"]["seed"] != second["parameters"]["seed"]


def test_the_truth_does_not_depend_on_the_interpreter_hash_seed(tmp_path: Path) -> None:
    script = (
        "import datetime, sys; from connectors.simulator import simulate, truth_bytes; "
        "sys.stdout.buffer.write(truth_bytes(simulate('dong-nai', start=datetime.date(2025, 7, 1), days=1, "
        "seed=5, scale='0.2')))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_changing_a_messy_rate_leaves_the_dossiers_as_they_were() -> None:
    messier = profile("cao-bang").mess.replace(invalid=Fraction(1, 2), duplicates=Fraction(1, 3))
    plain, messy = json.loads(_truth(3)), json.loads(_truth(3, mess=messier))
    assert plain["dossiers"] == messy["dossiers"]
    assert plain["indicators"] == messy["indicators"]
    assert messy["mess"]["counts"]["invalid_events"] > plain["mess"]["counts"]["invalid_events"]


def test_the_truth_holds_no_float_computed_from_data() -> None:
    """Rates are exact fractions; a ``value`` beside them is only their rounding for display."""

    def check(node: object) -> None:
        if isinstance(node, dict):
            if {"numerator", "denominator"} <= node.keys():
                assert isinstance(node["numerator"], int)
                assert isinstance(node["denominator"], int)
                if node["denominator"]:
                    assert node["value"] == round(node["numerator"] / node["denominator"], 6)
                return
            for value in node.values():
                check(value)
        elif isinstance(node, list):
            for value in node:
                check(value)
        else:
            assert not isinstance(node, float), "a float outside a fraction"

    check(json.loads(_truth(4)))
