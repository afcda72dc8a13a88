"""``lienthong report``: read the hub's report (``GET /report``) and print it, or compare it with the truth.

Exit status: 0 when printed (and, with ``--truth``, every indicator cell agrees); 1 when the hub cannot be
reached or refuses the query; 3 when, with ``--truth``, some indicator figures differ from the truth.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import httpx
from rich.console import Console

from deploy.reporting import indicator_differences, render_report

__all__ = ["DEFAULT_HUB_URL", "DIFFERENCES_EXIT_CODE", "report"]

DEFAULT_HUB_URL = "http://127.0.0.1:8790"
DIFFERENCES_EXIT_CODE = 3
_LISTED_DIFFERENCES = 20


def _fetch(hub_url: str, params: dict[str, str], timeout: float) -> dict[str, Any]:
    url = f"{hub_url.rstrip('/')}/report"
    try:
        answer = httpx.get(url, params=params, timeout=timeout)
    except httpx.TransportError as exc:
        raise click.ClickException(
            f"cannot reach the hub at {hub_url} ({type(exc).__name__}: {exc}); is `lienthong hub` running "
            "there? (--hub-url or LIENTHONG_HUB_URL)"
        ) from None
    if answer.status_code == 400:
        raise click.ClickException(f"the hub refused the query: {_error_of(answer)}")
    if answer.status_code != 200:
        raise click.ClickException(f"the hub answered {answer.status_code} at {url}: {answer.text[:200]}")
    try:
        document: dict[str, Any] = answer.json()
    except ValueError:
        raise click.ClickException(f"the hub's answer at {url} is not JSON") from None
    return document


def _error_of(answer: httpx.Response) -> str:
    try:
        return str(answer.json()["error"])
    except (ValueError, KeyError, TypeError):
        return answer.text[:200]


def _load_truth(path: Path) -> dict[str, Any]:
    try:
        truth: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"cannot read {path} as JSON: {exc}", param_hint="--truth") from None
    indicators = truth.get("indicators", truth) if isinstance(truth, dict) else None
    if not isinstance(indicators, dict) or not isinstance(indicators.get("province"), dict):
        raise click.BadParameter(f"{path} has no indicators (province, units)", param_hint="--truth")
    return truth


@click.command("report", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--hub-url",
    envvar="LIENTHONG_HUB_URL",
    default=DEFAULT_HUB_URL,
    show_default=True,
    help="The hub's HTTP side.",
)
@click.option(
    "--as-of",
    metavar="RFC3339",
    help="The instant the indicators are judged at, e.g. 2025-07-31T00:00:00+07:00 "
    "(default: now; with --truth, the truth's indicators.as_of).",
)
@click.option("--scope", help="Only this scope: 'province' or a unit's agency code.")
@click.option("--granularity", type=click.Choice(["day", "month", "quarter"]), help="Only this granularity.")
@click.option("--period", help="Only this period: 2025-07-01, 2025-07 or 2025-Q3 (implies its granularity).")
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Tables, or the report's JSON as the hub answered it.",
)
@click.option(
    "--truth",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The simulator's truth (lienthong simulate --truth): mark each indicator cell ✓ or hub ≠ truth.",
)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=120.0, show_default=True, help="Seconds.")
def report(
    *,
    hub_url: str,
    as_of: str | None,
    scope: str | None,
    granularity: str | None,
    period: str | None,
    output: str,
    truth: Path | None,
    timeout: float,
) -> None:
    """Print the hub's report: the ledger's dossiers and syncs, the findings (and those waiting for an
    operator), sync freshness and the national-index indicators per scope and period.

    Exit status: 0 printed; 1 the hub is unreachable or refused the query; 3 with --truth, some indicator
    figures differ from the truth (listed on stderr).
    """
    truth_document = None if truth is None else _load_truth(truth)
    if as_of is None and truth_document is not None:
        as_of = truth_document.get("indicators", {}).get("as_of")
    asked = {"as_of": as_of, "scope": scope, "granularity": granularity, "period": period}
    document = _fetch(hub_url, {name: value for name, value in asked.items() if value}, timeout)
    if output == "json":
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        render_report(Console(), document, truth=truth_document)
    if truth_document is None:
        return
    differences = indicator_differences(document, truth_document)
    if differences:
        err = Console(stderr=True)
        err.print(f"{len(differences)} indicator figures differ from the truth:", highlight=False)
        for difference in differences[:_LISTED_DIFFERENCES]:
            err.print(f"  {difference}", highlight=False)
        if len(differences) > _LISTED_DIFFERENCES:
            err.print(f"  … and {len(differences) - _LISTED_DIFFERENCES} more", highlight=False)
        sys.exit(DIFFERENCES_EXIT_CODE)
