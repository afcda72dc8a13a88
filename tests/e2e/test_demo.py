"""``lienthong demo`` end to end, as ``make demo`` runs it: every piece a real process, the real broker, the
faulty mock portal — a few simulated days instead of thirty, judged the same way against the ground truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

_ROOT = Path(__file__).resolve().parents[2]


_OUTAGE_S = 45
"""The sync API answers 503 for this long from the start of the traffic: longer than the demo's in-process
retries (a sync gives up after 8 s), so syncs climb the retry tiers (5 s, 15 s, 45 s) and drain by
themselves."""


@pytest.mark.timeout(600)
def test_the_demo_ends_equal_to_the_ground_truth(kafka_bootstrap: str, tmp_path: Path) -> None:
    from deploy.demo import DEFAULT_FAULTS  # noqa: PLC0415 - the profile the demo runs by default

    run_dir = tmp_path / "run"
    faults = {
        **DEFAULT_FAULTS,
        "overload": {
            "windows": [{"start_s": 0, "end_s": _OUTAGE_S}],
            "probability": 0.01,
            "paths": ["/api/dvc/"],
        },
    }
    (tmp_path / "faults.json").write_text(json.dumps(faults))
    command = [
        sys.executable,
        "-c",
        "from deploy.cli import main; main()",
        "demo",
        "--days",
        "3",
        "--scale",
        "1/8",
        "--settle-timeout",
        "300",
        "--run-dir",
        str(run_dir),
        "--faults",
        str(tmp_path / "faults.json"),
        "--json",
    ]
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap}
    done = subprocess.run(
        command, cwd=_ROOT, env=env, capture_output=True, text=True, timeout=580, check=False
    )
    assert done.returncode == 0, f"demo failed:\n{done.stderr[-4000:]}\n{done.stdout[-4000:]}"
    outcome = json.loads(done.stdout)
    truth = json.loads((run_dir / "truth.json").read_text())

    assert outcome["ok"] is True
    assert outcome["settled"] is True
    assert outcome["indicator_differences"] == []
    assert outcome["portal"]["unexplained"] == []
    assert outcome["portal"]["agreeing"] + len(outcome["portal"]["left_for_operator"]) == len(
        truth["dossiers"]
    )
    deliveries = outcome["deliveries"]
    assert (deliveries["missing"], deliveries["wrong_unit"], deliveries["unexpected"]) == ([], [], [])
    assert (
        deliveries["delivered"]
        == deliveries["expected"]
        == sum(1 for d in truth["dossiers"] if d["submitted_at"])
    )
    report = outcome["report"]
    assert report["dossiers"]["total"] >= len(truth["dossiers"])
    cells = report["indicators"]["province"]
    assert cells, "the province's indicators are in the report"
    assert outcome["sent"], "the simulator reported what it sent"
    assert json.loads((run_dir / "faults.json").read_text()) == faults
    tiers = outcome["retry_tiers"]
    assert tiers["tier 1"] > 0, "the outage outlasted the in-process retries"
    assert tiers["tier 2"] > 0, "and the first tier"
    assert outcome["dead_letters"] == 0  # drained without an operator
