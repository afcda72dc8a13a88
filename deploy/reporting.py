"""The hub's report (``GET /report``, :mod:`hub.app.report`) printed for people, and compared with the
simulator's ground truth.

Everything here takes the report as the JSON value the hub answers and, optionally, ``truth``: the
simulator's truth document (``lienthong simulate --truth t.json``) or any value with the same ``indicators``
layout — ``{"province": {granularity: {period: cell}}, "units": {unit: {…}}}``, where a cell holds
``received`` and, per indicator, ``{"numerator", "denominator", "value"}``.

* :func:`indicator_differences` — every (scope, granularity, period, indicator) where the hub and the truth
  disagree, as :class:`IndicatorDifference` values;
* :func:`render_report` — the summary, sync freshness and the indicator tables on a rich console (each cell
  ✓ or hub ≠ truth when the truth is given); :func:`render_summary`, :func:`render_freshness` and
  :func:`render_indicators` print one part each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hub.rules.indicators import INDICATOR_NAMES, PROVINCE

__all__ = [
    "DEFAULT_GRANULARITY",
    "INDICATOR_NAMES",
    "Cell",
    "IndicatorDifference",
    "indicator_cells",
    "indicator_differences",
    "render_freshness",
    "render_indicators",
    "render_report",
    "render_summary",
]

DEFAULT_GRANULARITY = "month"
"""The granularity the tables show when neither the caller nor the report's query names one."""
_GRANULARITIES = ("day", "month", "quarter")
_SHOWN_OPERATOR_FINDINGS = 50

Cell = tuple[str, str, str]
"""``(scope, granularity, period)``: ``scope`` is ``province`` or a unit code."""
Pair = tuple[int, int]


@dataclass(frozen=True, slots=True)
class IndicatorDifference:
    """One indicator of one (scope, granularity, period) on which the hub and the truth disagree.

    ``hub`` and ``truth`` are ``(numerator, denominator)``; None when that side has no such cell (or the cell
    lacks the indicator)."""

    scope: str
    granularity: str
    period: str
    indicator: str
    hub: Pair | None
    truth: Pair | None

    def __str__(self) -> str:
        return (
            f"{self.scope} {self.granularity} {self.period} {self.indicator}: "
            f"hub {_pair_text(self.hub)}, truth {_pair_text(self.truth)}"
        )


def _pair_text(pair: Pair | None) -> str:
    return "none" if pair is None else f"{pair[0]}/{pair[1]}"


def _indicators(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``indicators`` value of a report or truth document, or the document when it is one already."""
    inner = document.get("indicators")
    return inner if isinstance(inner, Mapping) else document


def _scopes(indicators: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    scopes: dict[str, Mapping[str, Any]] = {}
    if isinstance(indicators.get(PROVINCE), Mapping):
        scopes[PROVINCE] = indicators[PROVINCE]
    units = indicators.get("units")
    if isinstance(units, Mapping):
        scopes.update({unit: periods for unit, periods in units.items() if isinstance(periods, Mapping)})
    return scopes


def indicator_cells(document: Mapping[str, Any]) -> dict[Cell, Mapping[str, Any]]:
    """Every cell of a report, a truth document or their ``indicators`` value, by (scope, granularity,
    period)."""
    cells: dict[Cell, Mapping[str, Any]] = {}
    for scope, by_granularity in _scopes(_indicators(document)).items():
        for granularity, periods in by_granularity.items():
            if isinstance(periods, Mapping):
                for period, cell in periods.items():
                    if isinstance(cell, Mapping):
                        cells[scope, granularity, period] = cell
    return cells


def _pair(cell: Mapping[str, Any] | None, indicator: str) -> Pair | None:
    ratio = None if cell is None else cell.get(indicator)
    if not isinstance(ratio, Mapping):
        return None
    return int(ratio["numerator"]), int(ratio["denominator"])


def _query(report: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    query = report.get("query")
    if not isinstance(query, Mapping):
        return None, None, None
    return query.get("scope"), query.get("granularity"), query.get("period")


def _in_query(cell: Cell, query: tuple[str | None, str | None, str | None]) -> bool:
    return all(wanted in (None, value) for wanted, value in zip(query, cell, strict=True))


def indicator_differences(report: Mapping[str, Any], truth: Mapping[str, Any]) -> list[IndicatorDifference]:
    """Every (scope, granularity, period, indicator) where the numerators or the denominators differ, or which
    only one side has, in (scope, granularity, period, indicator) order (the province first).

    ``report`` is the hub's report (or its ``indicators``), ``truth`` the simulator's truth document (or its
    ``indicators``). When the report was narrowed (its ``query`` names a scope, granularity or period), the
    truth is narrowed the same way. Compare reports judged at the truth's ``indicators.as_of``: ask the hub
    with ``as_of`` set to it."""
    query = _query(report)
    ours = indicator_cells(report)
    theirs = {cell: value for cell, value in indicator_cells(truth).items() if _in_query(cell, query)}
    differences: list[IndicatorDifference] = []
    for cell in sorted(ours.keys() | theirs.keys(), key=_cell_order):
        for indicator in INDICATOR_NAMES:
            hub, true = _pair(ours.get(cell), indicator), _pair(theirs.get(cell), indicator)
            if hub != true:
                differences.append(IndicatorDifference(*cell, indicator=indicator, hub=hub, truth=true))
    return differences


def _cell_order(cell: Cell) -> tuple[bool, str, int, str]:
    scope, granularity, period = cell
    rank = _GRANULARITIES.index(granularity) if granularity in _GRANULARITIES else len(_GRANULARITIES)
    return scope != PROVINCE, scope, rank, period


def _percent(pair: Pair, indicator: str) -> str:
    numerator, denominator = pair
    if denominator == 0:
        return "n/a"
    if indicator == "reuse_score":
        return f"{numerator / denominator:.2f}"
    return f"{100 * numerator / denominator:.1f}%"


def _ratio_text(pair: Pair | None, indicator: str) -> str:
    if pair is None:
        return "—"
    return f"{pair[0]}/{pair[1]} ({_percent(pair, indicator)})"


def _cell_text(hub: Pair | None, truth: Pair | None, indicator: str, *, compared: bool) -> str:
    if not compared:
        return _ratio_text(hub, indicator)
    if hub == truth:
        return f"[green]✓[/] {_ratio_text(hub, indicator)}"
    return f"[red]✗ hub {_ratio_text(hub, indicator)} ≠ truth {_ratio_text(truth, indicator)}[/]"


def _chosen(report: Mapping[str, Any], granularity: str | None, period: str | None) -> tuple[str, str | None]:
    _, asked_granularity, asked_period = _query(report)
    period = period or asked_period
    return granularity or asked_granularity or DEFAULT_GRANULARITY, period


def _periods(granularity: str, period: str | None, *cell_sets: Iterable[Cell]) -> list[str]:
    if period is not None:
        return [period]
    return sorted({p for cells in cell_sets for (_, g, p) in cells if g == granularity})


def _scope_rows(*cell_sets: Iterable[Cell]) -> list[str]:
    scopes = {scope for cells in cell_sets for (scope, _, _) in cells}
    return [PROVINCE] * (PROVINCE in scopes) + sorted(scopes - {PROVINCE})


def render_indicators(
    console: Console,
    report: Mapping[str, Any],
    *,
    truth: Mapping[str, Any] | None = None,
    granularity: str | None = None,
    period: str | None = None,
) -> None:
    """One table per period of ``granularity`` (default: the report's, else month; ``period``: only that
    one): a row per scope (the province, then each unit), a column per indicator, each cell
    ``numerator/denominator (percent)`` (the reuse score as points out of 2). With ``truth``, each cell is
    ``✓`` when the hub agrees, else ``hub … ≠ truth …``, and a line per other granularity says how many of
    its cells differ."""
    granularity, period = _chosen(report, granularity, period)
    query = _query(report)
    ours = indicator_cells(report)
    theirs = (
        {}
        if truth is None
        else {cell: value for cell, value in indicator_cells(truth).items() if _in_query(cell, query)}
    )
    periods = _periods(granularity, period, ours, theirs)
    if not periods:
        console.print(f"no indicator figures by {granularity} in the report", highlight=False)
    for key in periods:
        wanted = [cell for cell in ours.keys() | theirs.keys() if cell[1:] == (granularity, key)]
        title = f"indicators, {granularity} {key}" + (" (✓: the hub agrees with the truth)" if truth else "")
        table = Table(title=title)
        table.add_column("scope")
        table.add_column("received", justify="right")
        for indicator in INDICATOR_NAMES:
            table.add_column(
                "reuse_score (of 2)" if indicator == "reuse_score" else indicator, justify="right"
            )
        for scope in _scope_rows(wanted):
            cell = (scope, granularity, key)
            mine, true = ours.get(cell), theirs.get(cell)
            received = "—" if mine is None else str(mine.get("received", "?"))
            table.add_row(
                scope,
                received,
                *(
                    _cell_text(_pair(mine, name), _pair(true, name), name, compared=truth is not None)
                    for name in INDICATOR_NAMES
                ),
            )
        console.print(table)
    if truth is not None:
        differences = indicator_differences(report, truth)
        for other in _GRANULARITIES:
            if other == granularity:
                continue
            compared = {cell for cell in ours.keys() | theirs.keys() if cell[1] == other}
            if compared:
                differing = {
                    (d.scope, d.granularity, d.period) for d in differences if d.granularity == other
                }
                mark = "[green]✓[/]" if not differing else "[red]✗[/]"
                console.print(
                    f"{mark} by {other}: {len(differing)} of {len(compared)} cells differ from the truth"
                )


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def render_freshness(
    console: Console, report: Mapping[str, Any], *, granularity: str | None = None, period: str | None = None
) -> None:
    """Sync freshness per scope for each period of ``granularity`` (as :func:`render_indicators` picks
    them): revisions synced and pending, and the p50, p95 and largest delay to the portal's
    acknowledgement."""
    granularity, period = _chosen(report, granularity, period)
    freshness = report.get("freshness")
    cells = indicator_cells({"indicators": freshness}) if isinstance(freshness, Mapping) else {}
    for key in _periods(granularity, period, cells):
        table = Table(title=f"sync freshness, {granularity} {key}")
        for column in ("scope", "synced", "pending", "p50", "p95", "max"):
            table.add_column(column, justify="left" if column == "scope" else "right")
        for scope in _scope_rows(cell for cell in cells if cell[1:] == (granularity, key)):
            figures = cells[scope, granularity, key]
            table.add_row(
                scope,
                str(figures.get("synced", "?")),
                str(figures.get("pending", "?")),
                *(_duration(figures.get(f"{name}_seconds")) for name in ("p50", "p95", "max")),
            )
        console.print(table)


def render_summary(console: Console, report: Mapping[str, Any]) -> None:
    """The ledger's dossiers and syncs, the findings by type (found, healed, still open, waiting for an
    operator) and the list of findings waiting for an operator."""
    console.print(
        f"hub report as of {report.get('as_of', '?')} (generated {report.get('generated_at', '?')})",
        highlight=False,
    )
    ledger = Table(title="the ledger", show_header=False)
    ledger.add_column("what")
    ledger.add_column("count", justify="right")
    labels = {
        ("dossiers", "total"): "dossiers in the ledger",
        ("dossiers", "from_province"): "known from the province",
        ("dossiers", "portal_only"): "known only from the portal (online submissions)",
        ("dossiers", "unseen"): "seen in neither (payment or outcome only)",
        ("dossiers", "in_step"): "in step with the portal",
        ("dossiers", "pending_sync"): "sync pending",
        ("syncs", "commands"): "sync commands issued",
        ("syncs", "revisions"): "revisions applied",
        ("syncs", "acknowledged"): "revisions acknowledged by the portal",
        ("syncs", "unacknowledged"): "revisions not acknowledged yet",
    }
    for (part, name), label in labels.items():
        value = report.get(part, {}).get(name)
        ledger.add_row(label, "?" if value is None else f"{value:,}")
    console.print(ledger)

    findings = report.get("findings", {})
    by_type: Mapping[str, Mapping[str, int]] = findings.get("by_type", {})
    table = Table(title="findings")
    for column in ("type", "found", "healed", "left open", "needs operator"):
        table.add_column(column, justify="left" if column == "type" else "right")
    for kind, states in by_type.items():
        healed, waiting = states.get("healed", 0), states.get("needs_operator", 0)
        table.add_row(kind, str(sum(states.values())), str(healed), str(states.get("open", 0)), str(waiting))
    if not by_type:
        table.add_row("none", "0", "0", "0", "0")
    console.print(table)

    listed: list[Mapping[str, Any]] = findings.get("needs_operator", [])
    total = findings.get("needs_operator_total", len(listed))
    if listed:
        waiting_table = Table(title=f"waiting for an operator ({total})")
        for column in ("subject", "type", "detail"):
            waiting_table.add_column(column)
        for finding in listed[:_SHOWN_OPERATOR_FINDINGS]:
            waiting_table.add_row(
                escape(str(finding.get("subject"))),
                escape(str(finding.get("type"))),
                escape(str(finding.get("detail"))),
            )
        console.print(waiting_table)
        if total > min(len(listed), _SHOWN_OPERATOR_FINDINGS):
            console.print(f"… and {total - min(len(listed), _SHOWN_OPERATOR_FINDINGS)} more", highlight=False)


def render_report(
    console: Console,
    report: Mapping[str, Any],
    *,
    truth: Mapping[str, Any] | None = None,
    granularity: str | None = None,
    period: str | None = None,
) -> None:
    """The whole report: :func:`render_summary`, :func:`render_freshness`, then :func:`render_indicators`
    (against ``truth`` when given)."""
    render_summary(console, report)
    render_freshness(console, report, granularity=granularity, period=period)
    render_indicators(console, report, truth=truth, granularity=granularity, period=period)
