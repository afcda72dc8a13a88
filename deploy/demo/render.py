"""The demo's printed report: what ran, what the pipeline did, and the indicators beside the ground truth."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from deploy.demo.run import DemoOutcome

__all__ = ["outcome_json", "render_outcome"]


def _count(report: dict[str, Any], *path: str) -> Any:
    value: Any = report
    for name in path:
        if not isinstance(value, dict) or name not in value:
            return "?"
        value = value[name]
    return value


def render_outcome(console: Console, outcome: DemoOutcome) -> None:
    """Tables: the run, the pipeline's counts, the portal against the truth, then every indicator."""
    from deploy.reporting import render_report  # noqa: PLC0415 -- the indicator tables

    report, truth = outcome.report, outcome.truth
    run = Table(title="the run", show_header=False)
    run.add_column("what")
    run.add_column("value", justify="right")
    params = truth["parameters"]
    run.add_row("province, days, seed", f"{params['province']}, {params['days']}, {params['seed']}")
    run.add_row("dossiers in the truth", f"{len(truth['dossiers']):,}")
    for name, count in outcome.sent.items():
        run.add_row(f"sent: {name}", f"{count:,}")
    for name, seconds in outcome.timings.items():
        run.add_row(f"time: {name}", f"{seconds:.1f} s")
    run.add_row("run directory", str(outcome.run_dir))
    console.print(run)

    pipeline = Table(title="the pipeline", show_header=False)
    pipeline.add_column("what")
    pipeline.add_column("value", justify="right")
    pipeline.add_row("dossiers in the hub's ledger", str(_count(report, "dossiers", "total")))
    pipeline.add_row("sync commands issued", str(_count(report, "syncs", "commands")))
    pipeline.add_row("syncs acknowledged by the portal", str(_count(report, "syncs", "acknowledged")))
    deliveries = outcome.deliveries
    pipeline.add_row(
        "online submissions delivered to the province", f"{deliveries.delivered:,} of {deliveries.expected:,}"
    )
    pipeline.add_row(
        "  to the wrong unit / missing", f"{len(deliveries.wrong_unit)} / {len(deliveries.missing)}"
    )
    tiers = outcome.tiers
    climbed = ", ".join(f"{count:,} to {name}" for name, count in tiers.items() if name != "held")
    pipeline.add_row("syncs parked in the retry tiers", climbed or "none")
    pipeline.add_row("  commands held behind them", f"{tiers.get('held', 0):,}")
    pipeline.add_row("dead letters", f"{outcome.dead_letters:,}")
    pipeline.add_row("portal agrees with the province", f"{outcome.portal.agreeing:,}")
    pipeline.add_row("left to an operator (listed below)", f"{len(outcome.portal.left_for_operator):,}")
    pipeline.add_row("out of step, unexplained", f"{len(outcome.portal.unexplained):,}")
    pipeline.add_row("settled before the timeout", "yes" if outcome.settled else "NO")
    console.print(pipeline)

    for title, rows in (
        ("left to an operator", outcome.portal.left_for_operator),
        ("OUT OF STEP WITH NO REASON", outcome.portal.unexplained),
    ):
        if not rows:
            continue
        table = Table(title=f"{title} ({len(rows)})")
        for column in ("dossier", "true status", "portal", "reason"):
            table.add_column(column)
        for row in rows[:50]:
            shown = "absent" if row.portal_status is None else str(row.portal_status)
            table.add_row(row.dossier_code, str(row.true_status), shown, row.operator_reason or "")
        console.print(table)

    render_report(console, report, truth=truth)
    differences = outcome.indicator_differences
    verdict = "[bold green]PASS[/]" if outcome.ok else "[bold red]FAIL[/]"
    console.print(
        f"{verdict}: {len(differences)} indicator cells differ from the ground truth; "
        f"{len(outcome.portal.unexplained)} dossiers out of step on the portal without a reason; "
        f"{len(deliveries.missing) + len(deliveries.wrong_unit)} submissions not delivered to their unit; "
        f"settled: {'yes' if outcome.settled else 'no'}"
    )
    for difference in differences[:20]:
        console.print(f"  differs: {difference}", highlight=False)
    for code, unit, received in deliveries.wrong_unit[:20]:
        console.print(
            f"  delivered to the wrong unit: {code} went to {received}, not {unit}", highlight=False
        )
    for code in deliveries.missing[:20]:
        console.print(f"  never delivered to the province: {code}", highlight=False)


def outcome_json(outcome: DemoOutcome) -> dict[str, Any]:
    """The outcome as a JSON value (``--json``)."""
    return {
        "ok": outcome.ok,
        "settled": outcome.settled,
        "run_dir": str(outcome.run_dir),
        "timings_seconds": outcome.timings,
        "sent": outcome.sent,
        "dead_letters": outcome.dead_letters,
        "retry_tiers": outcome.tiers,
        "portal": {
            "agreeing": outcome.portal.agreeing,
            "left_for_operator": [vars_of(d) for d in outcome.portal.left_for_operator],
            "unexplained": [vars_of(d) for d in outcome.portal.unexplained],
            "extra_on_portal": list(outcome.portal.extra_on_portal),
        },
        "deliveries": {
            "expected": outcome.deliveries.expected,
            "delivered": outcome.deliveries.delivered,
            "missing": list(outcome.deliveries.missing),
            "wrong_unit": [list(row) for row in outcome.deliveries.wrong_unit],
            "unexpected": list(outcome.deliveries.unexpected),
        },
        "indicator_differences": [str(d) for d in outcome.indicator_differences],
        "report": outcome.report,
    }


def vars_of(difference: Any) -> dict[str, Any]:
    return {name: getattr(difference, name) for name in difference.__slots__}
