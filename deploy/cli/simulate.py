"""``lienthong simulate``: generate a province's traffic and its ground truth, and send it down the pipeline.

The generation is deterministic in (province, start, days, seed, scale, mess rates): ``--truth`` and
``--events`` are the same bytes on every run. Without ``--generate-only`` the traffic then goes to the
province ingest, the national portal and the payment connector (see ``connectors/simulator/README.md``);
the command exits 1 if any answer was not the expected one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from fractions import Fraction
from pathlib import Path

import click
from rich.console import Console

from connectors.simulator import (
    PROFILES,
    Display,
    DriveSettings,
    MessRates,
    RetryPolicy,
    Targets,
    drive,
    profile,
    write_events,
    write_truth,
)
from connectors.simulator import simulate as generate

__all__ = ["simulate"]


def _fraction(text: str, what: str) -> Fraction:
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise click.BadParameter(f"{what} must be a decimal number or a fraction, got {text!r}") from None
    return value


def _mess(province: str, entries: tuple[str, ...]) -> MessRates:
    rates: dict[str, Fraction] = {}
    for entry in entries:
        name, sep, value = entry.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KIND=RATE, got {entry!r}", param_hint="--mess")
        rates[name.strip().replace("-", "_")] = _fraction(value, f"rate of {name}")
    try:
        return profile(province).mess.replace(**rates)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--mess") from None


@click.command("simulate", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--province", type=click.Choice(list(PROFILES)), default="cao-bang", show_default=True)
@click.option("--days", type=click.IntRange(1, 366), default=30, show_default=True, help="Simulated days.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of every random draw.")
@click.option(
    "--scale",
    default="1",
    show_default=True,
    help="Multiplies every unit's volume (Cao Bằng at 1: ≈180 a day).",
)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2025-07-01",
    show_default=True,
    help="First simulated day (Vietnamese calendar).",
)
@click.option(
    "--truth", type=click.Path(dir_okay=False, path_type=Path), help="Write the ground truth (JSON) here."
)
@click.option(
    "--events",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the province events (JSON Lines, structured CloudEvents, sending order) here.",
)
@click.option("--generate-only", is_flag=True, help="Write the files and send nothing.")
@click.option(
    "--mess", multiple=True, metavar="KIND=RATE", help="Rate of a messy part, e.g. duplicates=0.05."
)
@click.option(
    "--ingest-url", default="http://127.0.0.1:8781", show_default=True, help="Province connector ingest."
)
@click.option(
    "--portal-url", default="http://127.0.0.1:8780", show_default=True, help="National portal (mock)."
)
@click.option(
    "--payment-url",
    default="http://127.0.0.1:8782",
    show_default=True,
    help="Payment connector (transactions are registered there); '' to skip registering.",
)
@click.option(
    "--portal-client-id", envvar="LIENTHONG_PORTAL_CLIENT_ID", default="lienthong", show_default=True
)
@click.option(
    "--portal-client-secret",
    envvar="LIENTHONG_PORTAL_CLIENT_SECRET",
    default="lienthong-portal-secret",
    show_default="the mock portal's default",
)
@click.option(
    "--partner-code", envvar="LIENTHONG_PORTAL_PAYMENT_PARTNER_CODE", default="LIENTHONG", show_default=True
)
@click.option("--batch-size", type=click.IntRange(1, 1000), default=200, show_default=True)
@click.option(
    "--lanes", type=click.IntRange(1, 64), default=8, show_default=True, help="Ingest requests in flight."
)
@click.option(
    "--concurrency", type=click.IntRange(1, 64), default=8, show_default=True, help="Portal calls in flight."
)
@click.option(
    "--pending-timeout", type=click.FloatRange(0), default=120.0, show_default=True, help="Seconds."
)
def simulate(
    *,
    province: str,
    days: int,
    seed: int,
    scale: str,
    start: dt.datetime,
    truth: Path | None,
    events: Path | None,
    generate_only: bool,
    mess: tuple[str, ...],
    ingest_url: str,
    portal_url: str,
    payment_url: str,
    portal_client_id: str,
    portal_client_secret: str,
    partner_code: str,
    batch_size: int,
    lanes: int,
    concurrency: int,
    pending_timeout: float,
) -> None:
    """Simulate a province's dossier, submission and payment traffic with a known ground truth."""
    ratio = _fraction(scale, "--scale")
    if ratio <= 0:
        raise click.BadParameter("must be positive", param_hint="--scale")
    if generate_only and truth is None and events is None:
        raise click.UsageError("--generate-only writes files: give --truth and/or --events")
    console = Console(stderr=True)
    began = time.perf_counter()
    sim = generate(
        province, start=start.date(), days=days, seed=seed, scale=ratio, mess=_mess(province, mess)
    )
    took = time.perf_counter() - began
    console.print(
        f"{len(sim.dossiers)} dossiers, {len(sim.traffic.deliveries)} deliveries generated in {took:.2f} s "
        f"({len(sim.dossiers) / took:,.0f} dossiers/s)",
        highlight=False,
    )
    if truth is not None:
        write_truth(sim, truth)
        console.print(f"truth: {truth}", highlight=False)
    if events is not None:
        write_events(sim, events)
        console.print(f"events: {events}", highlight=False)
    if generate_only:
        return
    targets = Targets(
        ingest_url=ingest_url,
        portal_url=portal_url,
        payment_url=payment_url or None,
        client_id=portal_client_id,
        client_secret=portal_client_secret,
        partner_code=partner_code,
    )
    settings = DriveSettings(
        batch_size=batch_size,
        lanes=lanes,
        concurrency=concurrency,
        pending_timeout_seconds=pending_timeout,
        retry=RetryPolicy(),
    )
    began = time.perf_counter()
    with Display(console) as display:
        report = asyncio.run(drive(sim.traffic, targets, settings=settings, display=display))
    report.render(Console())
    console.print(f"sent in {time.perf_counter() - began:.1f} s", highlight=False)
    if not report.ok:
        raise SystemExit(1)
