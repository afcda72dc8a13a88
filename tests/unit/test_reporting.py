"""deploy.reporting: the report printed for people, its indicators compared with the simulator's truth."""

from __future__ import annotations

import copy
from typing import Any

from rich.console import Console

from deploy.reporting import (
    IndicatorDifference,
    indicator_cells,
    indicator_differences,
    render_indicators,
    render_report,
    render_summary,
)

UNIT = "000.00.40.H14"
OTHER = "000.00.41.H14"


def _ratio(numerator: int, denominator: int) -> dict[str, Any]:
    value = None if denominator == 0 else round(numerator / denominator, 6)
    return {"numerator": numerator, "denominator": denominator, "value": value}


def _cell(received: int, reused: int, *, on_time: tuple[int, int] = (1, 1)) -> dict[str, Any]:
    return {
        "received": received,
        "reuse": _ratio(reused, received),
        "reuse_score": _ratio(5 * reused, 2 * received) if received else _ratio(0, 0),
        "on_time": _ratio(*on_time),
        "online_submission": _ratio(0, received),
        "online_payment": _ratio(0, 0),
        "digitisation": _ratio(received, received),
        "e_result": _ratio(0, 0),
    }


def _scope(day: dict[str, Any], month: dict[str, Any]) -> dict[str, Any]:
    return {"day": day, "month": month, "quarter": {}}


def _indicators() -> dict[str, Any]:
    return {
        "province": _scope({"2025-07-01": _cell(4, 3)}, {"2025-07": _cell(4, 3)}),
        "units": {
            UNIT: _scope({"2025-07-01": _cell(3, 3)}, {"2025-07": _cell(3, 3)}),
            OTHER: _scope({"2025-07-01": _cell(1, 0)}, {"2025-07": _cell(1, 0)}),
        },
    }


def _report(**query: Any) -> dict[str, Any]:
    return {
        "as_of": "2025-07-02T00:00:00+07:00",
        "generated_at": "2025-07-02T01:00:00+00:00",
        "query": {"scope": None, "granularity": None, "period": None} | query,
        "dossiers": {
            "total": 6,
            "from_province": 4,
            "portal_only": 1,
            "unseen": 1,
            "in_step": 3,
            "pending_sync": 1,
        },
        "syncs": {"commands": 1234, "revisions": 9, "acknowledged": 8, "unacknowledged": 1},
        "findings": {
            "by_type": {
                "regression": {"open": 1, "healed": 2, "needs_operator": 0},
                "sync_refused": {"open": 0, "healed": 0, "needs_operator": 3},
            },
            "by_state": {"open": 1, "healed": 2, "needs_operator": 3},
            "needs_operator": [
                {"subject": f"{UNIT}-250701-0006", "type": "sync_refused", "detail": "refused [01] rev 1"},
            ],
            "needs_operator_total": 3,
        },
        "indicators": _indicators(),
        "freshness": {
            "province": {
                "day": {},
                "month": {
                    "2025-07": {
                        "synced": 8,
                        "pending": 1,
                        "p50_seconds": 30.0,
                        "p95_seconds": 300.0,
                        "max_seconds": 7200.0,
                    }
                },
                "quarter": {},
            },
            "units": {},
        },
    }


def _truth() -> dict[str, Any]:
    """The truth document's layout: ``indicators`` with ``as_of`` and ``definitions`` beside the scopes."""
    return {
        "format": "lienthong.simulator.truth/1",
        "indicators": {"as_of": "2025-07-02T00:00:00+07:00", "definitions": "x"} | _indicators(),
    }


def _text(render: Any, *args: Any, **kwargs: Any) -> str:
    console = Console(record=True, width=400, color_system=None)
    render(console, *args, **kwargs)
    return console.export_text()


def test_a_report_equal_to_the_truth_has_no_differences() -> None:
    assert indicator_differences(_report(), _truth()) == []
    assert indicator_differences(_report()["indicators"], _truth()["indicators"]) == []


def test_a_differing_numerator_is_one_difference_naming_its_cell_and_both_figures() -> None:
    truth = _truth()
    truth["indicators"]["units"][OTHER]["day"]["2025-07-01"]["on_time"] = _ratio(0, 1)
    assert indicator_differences(_report(), truth) == [
        IndicatorDifference(OTHER, "day", "2025-07-01", "on_time", hub=(1, 1), truth=(0, 1))
    ]
    assert str(indicator_differences(_report(), truth)[0]) == (
        f"{OTHER} day 2025-07-01 on_time: hub 1/1, truth 0/1"
    )


def test_a_differing_denominator_is_a_difference_too() -> None:
    truth = _truth()
    truth["indicators"]["province"]["month"]["2025-07"]["online_payment"] = _ratio(0, 2)
    [difference] = indicator_differences(_report(), truth)
    assert (difference.scope, difference.indicator, difference.hub, difference.truth) == (
        "province",
        "online_payment",
        (0, 0),
        (0, 2),
    )


def test_a_cell_only_one_side_has_differs_on_every_indicator_with_the_other_side_none() -> None:
    truth = _truth()
    truth["indicators"]["units"][OTHER]["day"]["2025-07-02"] = _cell(1, 1)
    report = _report()
    del report["indicators"]["units"][UNIT]["month"]["2025-07"]
    differences = indicator_differences(report, truth)
    missing_in_hub = [d for d in differences if d.hub is None]
    missing_in_truth = [d for d in differences if d.truth is None]
    assert {(d.scope, d.period) for d in missing_in_hub} == {(UNIT, "2025-07"), (OTHER, "2025-07-02")}
    assert missing_in_truth == []
    assert len(differences) == 14
    assert differences[0].scope == UNIT  # units in code order, the province (no difference here) first


def test_differences_are_ordered_province_first_then_units_then_day_month_quarter() -> None:
    truth = _truth()
    truth["indicators"]["units"][UNIT]["month"]["2025-07"]["reuse"] = _ratio(2, 3)
    truth["indicators"]["units"][UNIT]["day"]["2025-07-01"]["reuse"] = _ratio(2, 3)
    truth["indicators"]["province"]["month"]["2025-07"]["reuse"] = _ratio(2, 4)
    cells = [(d.scope, d.granularity) for d in indicator_differences(_report(), truth)]
    assert cells == [("province", "month"), (UNIT, "day"), (UNIT, "month")]


def test_a_narrowed_report_is_compared_with_the_same_part_of_the_truth() -> None:
    report = _report(scope=UNIT, granularity="day", period="2025-07-01")
    report["indicators"] = {"province": {}, "units": {UNIT: {"day": _indicators()["units"][UNIT]["day"]}}}
    assert indicator_differences(report, _truth()) == []
    truth = _truth()
    truth["indicators"]["units"][UNIT]["day"]["2025-07-01"]["reuse"] = _ratio(0, 3)
    assert [d.indicator for d in indicator_differences(report, truth)] == ["reuse"]


def test_indicator_cells_reads_a_report_a_truth_or_bare_indicators_alike() -> None:
    expected = indicator_cells(_indicators())
    assert indicator_cells(_report()) == expected == indicator_cells(_truth())
    assert ("province", "month", "2025-07") in expected
    assert len(expected) == 6


def test_the_indicator_table_has_a_row_per_scope_and_numerator_denominator_percent_cells() -> None:
    text = _text(render_indicators, _report())
    assert "indicators, month 2025-07" in text
    assert "2025-07-01" not in text  # month unless told otherwise
    lines = [line for line in text.splitlines() if "province" in line or UNIT in line or OTHER in line]
    assert [line.split()[1] for line in lines] == ["province", UNIT, OTHER]
    assert "3/4 (75.0%)" in lines[0]
    assert "15/8 (1.88)" in lines[0]  # the reuse score in points out of 2
    assert "0/0 (n/a)" in lines[0]


def test_the_granularity_and_period_choose_the_tables() -> None:
    text = _text(render_indicators, _report(), granularity="day")
    assert "indicators, day 2025-07-01" in text
    assert "month 2025-07" not in text
    assert "no indicator figures by quarter" in _text(render_indicators, _report(), granularity="quarter")


def test_with_the_truth_each_cell_is_marked_agreeing_or_shows_both_figures() -> None:
    truth = _truth()
    truth["indicators"]["units"][OTHER]["month"]["2025-07"]["on_time"] = _ratio(0, 1)
    truth["indicators"]["units"][OTHER]["day"]["2025-07-01"]["on_time"] = _ratio(0, 1)
    text = _text(render_indicators, _report(), truth=truth)
    [other] = [line for line in text.splitlines() if OTHER in line]
    assert "✗ hub 1/1 (100.0%) ≠ truth 0/1 (0.0%)" in other
    assert other.count("✓") == 6
    [province] = [line for line in text.splitlines() if "│ province" in line]
    assert province.count("✓") == 7
    assert "by day: 1 of 3 cells differ from the truth" in text


def test_a_scope_only_the_truth_has_gets_a_row_with_the_hub_side_empty() -> None:
    truth = _truth()
    truth["indicators"]["units"]["000.00.42.H14"] = _scope({}, {"2025-07": _cell(2, 1)})
    text = _text(render_indicators, _report(), truth=truth)
    [row] = [line for line in text.splitlines() if "000.00.42.H14" in line]
    assert "✗ hub — ≠ truth 1/2 (50.0%)" in row


def test_the_summary_shows_the_ledger_the_findings_by_type_and_the_operator_list() -> None:
    text = _text(render_summary, _report())
    assert "hub report as of 2025-07-02T00:00:00+07:00" in text
    assert "sync commands issued" in text
    assert "1,234" in text
    [regression] = [line for line in text.splitlines() if "regression" in line]
    assert [part.strip() for part in regression.split("│")[2:6]] == ["3", "2", "1", "0"]
    assert "waiting for an operator (3)" in text
    assert "refused [01] rev 1" in text  # shown as text, not read as markup
    assert "… and 2 more" in text


def test_the_whole_report_prints_the_freshness_too() -> None:
    text = _text(render_report, _report(), truth=_truth())
    assert "sync freshness, month 2025-07" in text
    [province] = [line for line in text.splitlines() if "│ province" in line and "min" in line]
    assert "30.0 s" in province
    assert "5.0 min" in province
    assert "2.0 h" in province


def test_rendering_leaves_the_report_unchanged() -> None:
    report, truth = _report(), _truth()
    before = copy.deepcopy((report, truth))
    _text(render_report, report, truth=truth)
    assert (report, truth) == before
