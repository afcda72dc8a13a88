"""How long the local Kafka broker takes to become ready, and how much memory it holds once it is.

Each run uses a fresh temporary state directory: ``up`` on an empty directory (format + start), ``down``, then
``up`` again (restart with the data), ``down``. Ready means what ``lienthong kafka up`` waits for: the client
port accepts connections and aiokafka's metadata request lists the broker. Memory is the broker JVM's
``VmRSS`` right when it became ready. The jars are fetched before the clock starts.

    .venv/bin/python benchmarks/kafka_startup.py [--runs 3] [--version 4.4.0]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from deploy.kafka import DEFAULT_VERSION, LocalKafka, RuntimeSettings
from deploy.kafka.processes import resident_memory_kib


def _timed_up(runtime: LocalKafka, version: str) -> tuple[float, float]:
    started = time.monotonic()
    status = runtime.up(version=version, timeout=180)
    elapsed = time.monotonic() - started
    rss = resident_memory_kib(status.pids[0]) or 0
    runtime.down()
    return elapsed, rss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--version", default=DEFAULT_VERSION)
    args = parser.parse_args()

    LocalKafka().fetch(args.version)
    fresh: list[tuple[float, float]] = []
    restart: list[tuple[float, float]] = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="lienthong-bench-") as state:
            runtime = LocalKafka(RuntimeSettings(state_dir=Path(state)))
            fresh.append(_timed_up(runtime, args.version))
            restart.append(_timed_up(runtime, args.version))
        print(
            f"run {run}: fresh {fresh[-1][0]:.2f} s, {fresh[-1][1]:.0f} MiB; "
            f"restart {restart[-1][0]:.2f} s, {restart[-1][1]:.0f} MiB",
            flush=True,
        )
    for label, samples in (("fresh (format + start)", fresh), ("restart", restart)):
        seconds = statistics.median(s for s, _ in samples)
        mib = statistics.median(m for _, m in samples)
        summary = f"{seconds:.2f} s to ready, VmRSS {mib:.0f} MiB"
        print(f"median {label}: {summary} (Kafka {args.version}, {args.runs} runs)")


if __name__ == "__main__":
    main()
