"""``lienthong dlq``: the operator's dead-letter tool — list, show, replay, discard, history (``hub.dlq``).

Dead-letter topics are ``<prefix><source topic>.dlq``; every replay and discard (and every show) is written to
the audit log ``<prefix>lienthong.dlq.audit.v1``, from which the replayed and discarded state is rebuilt.
Results go to stdout; progress, warnings and errors to stderr.

Exit status: 0 done; 1 Kafka failed or some dead letters could not be replayed/found (the rest is done and
audited); 2 a usage error (nothing selected, no reason for a discard, a malformed id or time).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import click
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.dlq import (
    ActionRecord,
    DeadLetterDesk,
    DeadLetterToolError,
    DlqSettings,
    LetterCounts,
    LetterRecord,
    Outcome,
    Selection,
    SelectionError,
    Step,
    parse_moment,
    selection_from,
)
from hub.dlq.topics import REPLAY_INFIX

__all__ = ["dlq"]

_FAILED_EXIT_CODE = 1
_CONTEXT = {"help_option_names": ["-h", "--help"]}
_FORMAT = click.Choice(["table", "json"])

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def _connection_options(function: F) -> F:
    options = [
        click.option(
            "--bootstrap-servers",
            default=None,
            help="Kafka bootstrap address (default KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092).",
        ),
        click.option("--topic-prefix", default=None, help="Prefix of every topic name (default none)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _operator_option(function: F) -> F:
    return click.option(
        "--operator",
        default=None,
        help="Who acts, for the audit log (default LIENTHONG_OPERATOR, else the OS user).",
    )(function)


def _selection_options(*, reason_flag: str = "--reason", everything: bool = False) -> Callable[[F], F]:
    """The same filters on every command; ``discard`` names the reason filter --dlq-reason (its --reason is
    the operator's)."""
    reason_names = ("--reason", "--dlq-reason") if reason_flag == "--reason" else ("--dlq-reason",)

    def decorate(function: F) -> F:
        options = [
            click.option(
                "--id",
                "ids",
                multiple=True,
                metavar="TOPIC:PARTITION:OFFSET",
                help="A dead letter by its place in its dead-letter topic (repeatable).",
            ),
            click.option(
                "--topic",
                "topics",
                multiple=True,
                help="A dead-letter topic or its source topic; prefix and .dlq may be left out (repeatable).",
            ),
            click.option(
                *reason_names,
                "reasons",
                multiple=True,
                help="The dead letter's reason code (e.g. invalid_payload) or error class (repeatable).",
            ),
            click.option(
                "--agency",
                "agencies",
                multiple=True,
                help="An agency code: ce_source, or the dossier code's agency part (repeatable).",
            ),
            click.option("--dossier", "dossiers", multiple=True, help="A dossier code (repeatable)."),
            click.option(
                "--since",
                metavar="WHEN",
                help="Dead-lettered at or after: 90m, 2h, 7d, 2025-07-01 or 2025-07-01T08:00+07:00 "
                "(no offset: Vietnam time).",
            ),
            click.option("--until", metavar="WHEN", help="Dead-lettered before (same forms as --since)."),
            click.option(
                "--include-discarded", is_flag=True, help="Also the dead letters discarded earlier."
            ),
        ]
        if everything:
            options.append(
                click.option("--all", "everything", is_flag=True, help="Every dead letter (no id or filter).")
            )
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def _settings(bootstrap_servers: str | None, topic_prefix: str | None, operator: str | None) -> DlqSettings:
    given: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap_servers,
        "topic_prefix": topic_prefix,
        "operator": operator,
    }
    try:
        return DlqSettings(**{name: value for name, value in given.items() if value is not None})
    except ValidationError as exc:
        raise click.ClickException(f"invalid settings: {exc}") from None


def _selection(settings: DlqSettings, options: dict[str, Any]) -> Selection:
    try:
        return selection_from(options, settings.topic_prefix, dt.datetime.now(dt.UTC))
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None


def _run(settings: DlqSettings, work: Callable[[DeadLetterDesk], Awaitable[T]]) -> T:
    async def session() -> T:
        async with DeadLetterDesk(settings) as desk:
            return await work(desk)

    try:
        return asyncio.run(session())
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
    except DeadLetterToolError as exc:
        raise click.ClickException(str(exc)) from None


@contextlib.contextmanager
def _progress(description: str, enabled: bool) -> Iterator[Callable[[int, int], None]]:
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield lambda _covered, _total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def advance(covered: int, total: int) -> None:
            bar.update(task, completed=covered, total=total)

        yield advance


@click.group(context_settings=_CONTEXT)
def dlq() -> None:
    """Dead letters: count, show, replay and discard them; every action is audited.

    A dead-letter topic is <source topic>.dlq; a dead letter keeps the original key, value and headers and
    adds dlq_* headers (reason, original topic/partition/offset, consumer group, attempts, failure times).
    Its id is TOPIC:PARTITION:OFFSET in the dead-letter topic. The audit log is the topic
    lienthong.dlq.audit.v1 (under the prefix): who did what, when, and with what result; which dead
    letters were replayed and discarded is read back from it.
    """


@dlq.command("list", context_settings=_CONTEXT)
@_connection_options
@_selection_options()
@click.option("--format", "output", type=_FORMAT, default="table", show_default=True)
def list_(*, bootstrap_servers: str | None, topic_prefix: str | None, output: str, **options: Any) -> None:
    """Count the dead letters by topic, reason, agency and age (discarded ones left out)."""
    settings = _settings(bootstrap_servers, topic_prefix, None)
    selection = _selection(settings, options)
    include = bool(options["include_discarded"])
    counts = _run(settings, lambda desk: desk.counts(selection, include_discarded=include))
    if output == "json":
        click.echo(json.dumps(counts.as_dict(), ensure_ascii=False, indent=2))
    else:
        _render_counts(Console(), counts)


def _render_counts(console: Console, counts: LetterCounts) -> None:
    summary = f"{counts.total} dead letters ({counts.replayed} replayed at least once"
    summary += f", {counts.discarded} discarded)" if counts.discarded else ")"
    console.print(f"{summary}, as of {counts.now.isoformat(timespec='seconds')}", highlight=False)
    data = counts.as_dict()
    for title, key, heading in (
        ("By topic", "by_topic", "dead-letter topic"),
        ("By reason", "by_reason", "reason code"),
        ("By agency", "by_agency", "agency"),
        ("By age", "by_age", "dead-lettered"),
    ):
        if not data[key]:
            continue
        table = Table(title=title, title_justify="left")
        table.add_column(heading)
        table.add_column("count", justify="right")
        for name, count in data[key].items():
            table.add_row(escape(name), str(count))
        console.print(table)


@dlq.command(context_settings=_CONTEXT)
@_connection_options
@_operator_option
@_selection_options()
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="At most this many (0: all of them).",
)
@click.option(
    "--format",
    "output",
    type=_FORMAT,
    default="table",
    show_default=True,
    help="Panels, or one JSON object per line.",
)
def show(
    *,
    bootstrap_servers: str | None,
    topic_prefix: str | None,
    operator: str | None,
    limit: int,
    output: str,
    **options: Any,
) -> None:
    """Show dead letters — one (--id) or those the filters match — with personal data masked.

    Headers are decoded; a value that decodes as a CloudEvent is shown as the event with its personal
    fields replaced; any other value as its length, why it does not decode and a short masked preview.
    """
    settings = _settings(bootstrap_servers, topic_prefix, operator)
    selection = _selection(settings, options)
    console = Console()

    async def shown(view: dict[str, Any]) -> None:
        if output == "json":
            click.echo(json.dumps(view, ensure_ascii=False))
        else:
            _render_letter(console, view)

    include = bool(options["include_discarded"])
    result = _run(
        settings,
        lambda desk: desk.show(selection, shown, include_discarded=include, limit=limit or None),
    )
    if output == "table":
        console.print(f"{result['shown']} shown", highlight=False)
    if result["not_found"]:
        click.echo(f"not found: {', '.join(result['not_found'])}", err=True)
        sys.exit(_FAILED_EXIT_CODE)


def _render_letter(console: Console, view: dict[str, Any]) -> None:
    table = Table(title=f"dead letter {view['id']}", title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    state = []
    if view["replayed_to"]:
        state.append(f"replayed to {', '.join(view['replayed_to'])}")
    if view["discarded"]:
        state.append("discarded")
    rows: list[tuple[str, Any]] = [
        ("dead-lettered", f"{view['dead_lettered_at']} ({view['age']})"),
        ("reason", f"{view['reason_code']}: {view['reason']}"),
        ("original topic", view["original_topic"]),
        ("agency", view["agency"]),
        ("dossier", view["dossier_code"] or "-"),
        ("state", "; ".join(state) or "waiting"),
        ("key", view["key"] if view["key"] is not None else "(none)"),
    ]
    rows += [(f"header {name}", value if value is not None else "(null)") for name, value in view["headers"]]
    rows += [(name, value) for name, value in view["context"].items()]
    value = view["value"]
    if value["decodes"]:
        rows.append(("value", f"{value['length']} bytes, a valid CloudEvent (personal data masked)"))
        rows.append(("event", json.dumps(value["event"], ensure_ascii=False, indent=2)))
    else:
        rows.append(("value", f"{value['length']} bytes, does not decode: {value['problem']}"))
        rows.append((f"preview ({value['preview_kind']})", value["preview"]))
    for name, text in rows:
        table.add_row(escape(name), escape(str(text)))
    console.print(table)


@dlq.command(context_settings=_CONTEXT)
@_connection_options
@_operator_option
@_selection_options(everything=True)
@click.option(
    "--to-group",
    metavar="GROUP",
    help=f"Replay to <original topic>{REPLAY_INFIX}GROUP for that consumer group alone (created when "
    "missing; nothing in lienthong consumes it yet: the group must subscribe to it).",
)
@click.option("--dry-run", is_flag=True, help="List what would be sent; send nothing.")
@click.option(
    "--rate", type=click.FloatRange(min=0, min_open=True), help="At most this many records a second."
)
@click.option("--again", is_flag=True, help="Also those already replayed to the same topic.")
@click.option("--progress/--no-progress", default=True, help="A progress bar on a terminal (stderr).")
@click.option("--format", "output", type=_FORMAT, default="table", show_default=True)
def replay(
    *,
    bootstrap_servers: str | None,
    topic_prefix: str | None,
    operator: str | None,
    to_group: str | None,
    dry_run: bool,
    rate: float | None,
    again: bool,
    progress: bool,
    output: str,
    **options: Any,
) -> None:
    """Replay dead letters — by --id, by filter, or --all — with their original key, value and headers.

    Each goes to its original topic (and partition), or with --to-group to the group's replay topic. Only
    what is in the dead-letter topics when the replay begins is read (a bounded snapshot). The consumer
    recognises a repeat by its ce_id, so replaying twice has one effect; a dead letter already replayed to
    the same topic is skipped unless --again.
    """
    settings = _settings(bootstrap_servers, topic_prefix, operator)
    selection = _selection(settings, options)
    include = bool(options["include_discarded"])
    listed = _step_printer(output, dry_run, "would_send")
    with _progress("replaying", progress and not dry_run) as advance:
        outcome = _run(
            settings,
            lambda desk: desk.replay(
                selection,
                to_group=to_group,
                dry_run=dry_run,
                rate=rate,
                again=again,
                include_discarded=include,
                on_step=listed,
                on_progress=advance,
            ),
        )
    _finish("replay", outcome, output, dry_run)


@dlq.command(context_settings=_CONTEXT)
@_connection_options
@_operator_option
@_selection_options(reason_flag="--dlq-reason", everything=True)
@click.option("--reason", required=True, help="Why they are discarded (required; kept in the audit log).")
@click.option("--dry-run", is_flag=True, help="List what would be discarded; record nothing.")
@click.option("--format", "output", type=_FORMAT, default="table", show_default=True)
def discard(
    *,
    bootstrap_servers: str | None,
    topic_prefix: str | None,
    operator: str | None,
    reason: str,
    dry_run: bool,
    output: str,
    **options: Any,
) -> None:
    """Discard dead letters — by --id, by filter, or --all — for a reason (required).

    A discard is recorded in the audit log; the records stay in their topics, but list, show and replay
    leave them out from then on (--include-discarded shows them). Filter by the dead letter's own reason
    with --dlq-reason.
    """
    settings = _settings(bootstrap_servers, topic_prefix, operator)
    selection = _selection(settings, options)
    listed = _step_printer(output, dry_run, "would_discard")
    outcome = _run(
        settings, lambda desk: desk.discard(selection, reason=reason, dry_run=dry_run, on_step=listed)
    )
    _finish("discard", outcome, output, dry_run)


def _step_printer(output: str, dry_run: bool, would: str) -> Callable[[Step], Awaitable[None]]:
    async def told(step: Step) -> None:
        if not dry_run or step.kind != would or output != "table":
            return
        letter = step.letter
        where = "" if step.target is None else f" -> {step.target}"
        where += "" if step.partition is None else f" [{step.partition}]"
        described = "" if letter is None else f"  {letter.reason_code}  {letter.dossier_code or '-'}"
        click.echo(f"{step.letter_id}{where}{described}")

    return told


def _finish(action: str, outcome: Outcome, output: str, dry_run: bool) -> None:
    if output == "json":
        click.echo(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=2))
    else:
        counted = ", ".join(
            f"{count} {kind.replace('_', ' ')}" for kind, count in sorted(outcome.steps.items())
        )
        head = f"{action}{' (dry run)' if dry_run else ''}: {outcome.matched} matched"
        click.echo(f"{head}{'; ' + counted if counted else ''} (audit action {outcome.action_id})")
        for target, count in sorted(outcome.targets.items()):
            click.echo(f"  {count} -> {target}")
    for error in outcome.errors:
        click.echo(f"error: {error}", err=True)
    if not outcome.ok:
        sys.exit(_FAILED_EXIT_CODE)


@dlq.command(context_settings=_CONTEXT)
@_connection_options
@click.option(
    "--action",
    "actions",
    multiple=True,
    type=click.Choice(["replay", "discard", "show"]),
    help="Only this action (repeatable).",
)
@click.option("--operator", "operators", multiple=True, help="Only this operator's actions (repeatable).")
@click.option("--since", metavar="WHEN", help="Only from then on: 90m, 2h, 7d, or an RFC 3339 date or time.")
@click.option("--letters", is_flag=True, help="Also one line per dead letter replayed or discarded.")
@click.option(
    "--format",
    "output",
    type=_FORMAT,
    default="table",
    show_default=True,
    help="A table, or one JSON object per line.",
)
def history(
    *,
    bootstrap_servers: str | None,
    topic_prefix: str | None,
    actions: tuple[str, ...],
    operators: tuple[str, ...],
    since: str | None,
    letters: bool,
    output: str,
) -> None:
    """Print the audit log: who replayed, discarded or looked at what, when, with what result."""
    settings = _settings(bootstrap_servers, topic_prefix, None)
    try:
        after = parse_moment(since, dt.datetime.now(dt.UTC)) if since else None
    except SelectionError as exc:
        raise click.UsageError(str(exc)) from None
    table = Table("at", "operator", "action")
    table.add_column("what", overflow="fold")
    table.add_column("result", overflow="fold")

    async def told(record: ActionRecord | LetterRecord) -> None:
        if output == "json":
            click.echo(record.model_dump_json())
        else:
            table.add_row(*(escape(cell) for cell in _history_row(record)))

    count = _run(
        settings,
        lambda desk: desk.history(told, actions=actions, operators=operators, since=after, letters=letters),
    )
    if output == "table":
        console = Console()
        console.print(table)
        console.print(f"{count} records", highlight=False)


def _brief(data: dict[str, Any]) -> str:
    return ", ".join(
        f"{name}={','.join(map(str, value)) if isinstance(value, list) else value}"
        for name, value in data.items()
        if value not in (None, [], {}, 0) and name not in ("action_id", "ids", "targets")
    )


def _history_row(record: ActionRecord | LetterRecord) -> tuple[str, str, str, str, str]:
    at = record.at.astimezone(dt.UTC).isoformat(timespec="seconds")
    if isinstance(record, LetterRecord):
        what = record.letter + (f" -> {record.target}" if record.target else "")
        return at, record.operator, f"  {record.action} letter", what, record.reason or ""
    action = record.action + (" (dry run)" if record.dry_run else "")
    what = "; ".join(part for part in (_brief(record.selection), _brief(record.options)) if part)
    return at, record.operator, action, what, _brief(record.result)
