"""``lienthong demo``: the main job on the embedded default, then its report."""

from __future__ import annotations

import asyncio
import json
import os
import sys

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


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
def demo() -> None:
    """Publish one dossier, one agency-code and one payment event to Kafka, read each back, and show it.

    Uses KAFKA_BOOTSTRAP_SERVERS when set, else starts (or reuses) the local broker. Exits non-zero if any
    event read back differs from the event sent.
    """
    from deploy.demo import DemoResult, display, run_demo  # noqa: PLC0415 — keeps `lienthong --help` fast
    from deploy.logging import configure_logging  # noqa: PLC0415

    configure_logging(level="WARNING")

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
