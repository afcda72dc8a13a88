"""``lienthong demo``: the main job on the embedded default, then its report beside the ground truth."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import click

__all__ = ["demo"]


def _bootstrap() -> str:
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if configured:
        click.echo(f"Kafka: {configured} (KAFKA_BOOTSTRAP_SERVERS)", err=True)
        return configured
    from deploy.kafka import KafkaRuntimeError, LocalKafka  # noqa: PLC0415 — only when no cluster is given

    try:
        status = LocalKafka(progress=lambda line: click.echo(line, err=True)).up()
    except KafkaRuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    assert status.bootstrap is not None
    how = "reused" if status.reused else "started"
    click.echo(f"Kafka {status.version}: {status.bootstrap} ({how}, state in {status.state_dir})", err=True)
    return status.bootstrap


def _round_trip() -> None:
    from deploy.roundtrip import DemoResult, display, run_demo  # noqa: PLC0415 — keeps `lienthong --help` fast

    def report(result: DemoResult) -> None:
        shown = display(result)
        click.echo(f"\n== {result.received.type}  key={result.received.subject}")
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))

    results = asyncio.run(run_demo(_bootstrap(), report=report))
    broken = [result.sent.type for result in results if not result.intact]
    click.echo(f"\n{len(results) - len(broken)} of {len(results)} events read back intact from Kafka.")
    if broken:
        click.echo(f"differs after the round trip: {', '.join(broken)}", err=True)
        sys.exit(1)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--province", default="cao-bang", show_default=True, help="Simulated province.")
@click.option("--days", type=click.IntRange(1, 366), default=30, show_default=True, help="Simulated days.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the simulation.")
@click.option(
    "--scale", default="1/8", show_default=True, help="Multiplies every unit's volume (1: ≈180 a day)."
)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2025-07-01",
    show_default=True,
    help="First simulated day.",
)
@click.option("--no-faults", is_flag=True, help="A healthy portal instead of the default fault schedule.")
@click.option(
    "--faults",
    "faults_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The portal's fault profile (JSON, as PUT /admin/faults takes it) instead of the default schedule; "
    "its windows count from the start of the traffic.",
)
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where logs, databases and the truth go (default .state/demo/<time>).",
)
@click.option(
    "--settle-timeout",
    type=click.FloatRange(1),
    default=300.0,
    show_default=True,
    help="Seconds to wait for the pipeline to settle once the traffic is sent.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON instead of tables.")
@click.option("--round-trip", is_flag=True, help="Only round-trip one event of each family through Kafka.")
def demo(
    *,
    province: str,
    days: int,
    seed: int,
    scale: str,
    start: dt.datetime,
    no_faults: bool,
    faults_file: Path | None,
    run_dir: Path | None,
    settle_timeout: float,
    as_json: bool,
    round_trip: bool,
) -> None:
    """Run the whole pipeline on the embedded default and judge it against the simulator's ground truth.

    Starts (or reuses) the local Kafka broker unless KAFKA_BOOTSTRAP_SERVERS is set, then the mock national
    portal (with the default fault schedule), the province ingest, the payment and portal connectors and the
    hub, each as its own process; imports the province's agency-code registries; drives the simulated days
    of traffic through them; waits until the pipeline is quiescent and prints the report: dossiers, syncs,
    findings, dead letters and every indicator per commune and for the province beside the ground truth.
    Exits 1 if any indicator differs from the truth, or the portal is out of step for a dossier the hub did
    not leave to an operator.
    """
    from deploy.logging import configure_logging  # noqa: PLC0415 — keeps `lienthong --help` fast

    configure_logging(level="WARNING")
    if round_trip:
        _round_trip()
        return
    from rich.console import Console  # noqa: PLC0415

    from deploy.demo import DEFAULT_FAULTS, DemoOptions, run_demo  # noqa: PLC0415
    from deploy.demo.render import outcome_json, render_outcome  # noqa: PLC0415

    if no_faults and faults_file is not None:
        raise click.UsageError("--no-faults and --faults exclude each other")
    faults: dict[str, Any] = {} if no_faults else dict(DEFAULT_FAULTS)
    if faults_file is not None:
        try:
            faults = json.loads(faults_file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise click.BadParameter(f"not a JSON fault profile: {exc}", param_hint="--faults") from None
    try:
        ratio = Fraction(scale)
    except (ValueError, ZeroDivisionError):
        raise click.BadParameter(f"not a number: {scale!r}", param_hint="--scale") from None
    options = DemoOptions(
        province=province,
        days=days,
        seed=seed,
        scale=ratio,
        start=start.date(),
        faults=faults,
        run_dir=run_dir,
        settle_timeout_seconds=settle_timeout,
    )
    console = Console(stderr=True)
    bootstrap = _bootstrap()

    def say(line: str) -> None:
        console.print(line, highlight=False, soft_wrap=True)

    outcome = asyncio.run(run_demo(bootstrap, options, console=console, say=say))
    if as_json:
        click.echo(json.dumps(outcome_json(outcome), ensure_ascii=False, indent=2))
    else:
        render_outcome(Console(), outcome)
    if not outcome.ok:
        sys.exit(1)
