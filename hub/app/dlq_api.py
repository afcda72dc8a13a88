"""The dead-letter operations over the hub's HTTP side, for a web console: the same as ``lienthong dlq``.

==========================================  ================================================================
``GET /dlq``                                counts by topic, reason, agency and age (``?include_discarded=1``)
``GET /dlq/letters?id=&topic=&reason=…``    the selected dead letters, headers decoded, personal data masked
                                            (``agency``, ``dossier``, ``since``, ``until``, ``limit``)
``POST /dlq/replay``                        JSON: the selection (``ids``, ``topics``, ``reasons``,
                                            ``agencies``, ``dossiers``, ``since``, ``until``, ``all``) and
                                            ``to_group``, ``dry_run``, ``again``, ``rate``
``POST /dlq/discard``                       JSON: the selection and ``reason`` (required), ``dry_run``
``GET /dlq/history?action=&operator=…``     the audit log (``since``, ``letters``)
==========================================  ================================================================

Every operator action is audited with who did it: a ``POST`` must name the operator in the
``X-Lienthong-Operator`` header (400 without it). A bad selection answers 400 with the reason; Kafka failures
502. Each request opens its own :class:`~hub.dlq.DeadLetterDesk`, so a slow replay does not hold the hub's
consumer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.dlq import (
    ActionRecord,
    DeadLetterDesk,
    DeadLetterToolError,
    DlqSettings,
    LetterRecord,
    SelectionError,
    parse_moment,
    selection_from,
)

__all__ = ["OPERATOR_HEADER", "dlq_routes"]

OPERATOR_HEADER = "X-Lienthong-Operator"
_MAX_LIMIT = 1000
_LIST_KEYS = {
    "id": "ids",
    "topic": "topics",
    "reason": "reasons",
    "agency": "agencies",
    "dossier": "dossiers",
}


class _BadRequestError(Exception):
    pass


def _flag(value: Any) -> bool:
    return str(value).lower() in {"1", "true", "yes"} if not isinstance(value, bool) else value


def _query_options(request: Request) -> dict[str, Any]:
    params = request.query_params
    options: dict[str, Any] = {plural: params.getlist(single) for single, plural in _LIST_KEYS.items()}
    options |= {
        "since": params.get("since"),
        "until": params.get("until"),
        "everything": _flag(params.get("all")),
    }
    return options


async def _body_options(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _BadRequestError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _BadRequestError("the body must be a JSON object")
    options: dict[str, Any] = {}
    for plural in _LIST_KEYS.values():
        value = body.get(plural, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise _BadRequestError(f"{plural} must be a list of strings")
        options[plural] = value
    options |= {
        "since": body.get("since"),
        "until": body.get("until"),
        "everything": _flag(body.get("all", False)),
    }
    return options | {"body": body}


Handler = Callable[[Request], Awaitable[Response]]


def _guarded(handler: Handler) -> Handler:
    async def answer(request: Request) -> Response:
        try:
            return await handler(request)
        except (_BadRequestError, SelectionError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except DeadLetterToolError as exc:
            return JSONResponse({"error": str(exc)}, status_code=502)

    return answer


class _DeadLetterApi:
    def __init__(self, settings: DlqSettings) -> None:
        self._settings = settings

    def _desk(self, request: Request, *, acting: bool) -> DeadLetterDesk:
        operator = request.headers.get(OPERATOR_HEADER, "").strip()
        if acting and not operator:
            raise _BadRequestError(f"name the operator in the {OPERATOR_HEADER} header: actions are audited")
        chosen = self._settings.model_copy(update={"operator": operator}) if operator else self._settings
        return DeadLetterDesk(chosen)

    def _select(self, options: dict[str, Any]) -> Any:
        return selection_from(options, self._settings.topic_prefix, dt.datetime.now(dt.UTC))

    async def counts(self, request: Request) -> Response:
        include = _flag(request.query_params.get("include_discarded"))
        async with self._desk(request, acting=False) as desk:
            found = await desk.counts(include_discarded=include)
        return JSONResponse(found.as_dict())

    async def letters(self, request: Request) -> Response:
        selection = self._select(_query_options(request))
        try:
            limit = min(int(request.query_params.get("limit", "20")), _MAX_LIMIT)
        except ValueError:
            raise _BadRequestError("limit must be a whole number") from None
        shown: list[dict[str, Any]] = []

        async def keep(view: dict[str, Any]) -> None:
            shown.append(view)

        async with self._desk(request, acting=False) as desk:
            result = await desk.show(selection, keep, limit=limit)
        return JSONResponse({"letters": shown, "result": result})

    async def replay(self, request: Request) -> Response:
        options = await _body_options(request)
        body = options.pop("body")
        selection = self._select(options)
        rate = body.get("rate")
        if rate is not None and (not isinstance(rate, int | float) or rate <= 0):
            raise _BadRequestError("rate must be a positive number of records per second")
        async with self._desk(request, acting=True) as desk:
            outcome = await desk.replay(
                selection,
                to_group=body.get("to_group"),
                dry_run=_flag(body.get("dry_run", False)),
                rate=rate,
                again=_flag(body.get("again", False)),
            )
        return JSONResponse(outcome.as_dict())

    async def discard(self, request: Request) -> Response:
        options = await _body_options(request)
        body = options.pop("body")
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise _BadRequestError("a discard needs a reason: it is kept in the audit log")
        selection = self._select(options)
        async with self._desk(request, acting=True) as desk:
            outcome = await desk.discard(selection, reason=reason, dry_run=_flag(body.get("dry_run", False)))
        return JSONResponse(outcome.as_dict())

    async def history(self, request: Request) -> Response:
        params = request.query_params
        since = parse_moment(params["since"], dt.datetime.now(dt.UTC)) if params.get("since") else None
        records: list[dict[str, Any]] = []

        async def keep(record: ActionRecord | LetterRecord) -> None:
            records.append(record.model_dump(mode="json"))

        async with self._desk(request, acting=False) as desk:
            await desk.history(
                keep,
                actions=params.getlist("action"),
                operators=params.getlist("operator"),
                since=since,
                letters=_flag(params.get("letters")),
            )
        return JSONResponse({"records": records})


def dlq_routes(settings: DlqSettings) -> list[Route]:
    """The routes, acting through ``settings`` (the operator is the request's, for a POST)."""
    api = _DeadLetterApi(settings)
    return [
        Route("/dlq", _guarded(api.counts)),
        Route("/dlq/letters", _guarded(api.letters)),
        Route("/dlq/replay", _guarded(api.replay), methods=["POST"]),
        Route("/dlq/discard", _guarded(api.discard), methods=["POST"]),
        Route("/dlq/history", _guarded(api.history)),
    ]
