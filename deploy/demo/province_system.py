"""The demo's stand-in for the province's one-stop system: the webhook that ``lienthong connector province
deliver`` posts routed online submissions to. It checks each request's signature and keeps what it received,
so the demo can compare it with the truth: every online submission delivered, to the unit that receives it."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from connectors.province.webhook import SIGNATURE_HEADER, verify_signature

__all__ = ["DeliveryComparison", "ProvinceSystem", "compare_deliveries"]


class ProvinceSystem:
    """A threaded HTTP server on a loopback port; ``received`` maps dossier code → receiving agency code."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._lock = threading.Lock()
        self.received: dict[str, str] = {}
        self.deliveries: Counter[str] = Counter()
        """Requests per ``ce-id`` (repeats after a crash are legal, and de-duplicated by it)."""
        self.refused_signatures = 0
        system = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if not verify_signature(body, self.headers.get(SIGNATURE_HEADER), system._secret):
                    with system._lock:
                        system.refused_signatures += 1
                    self._answer(401)
                    return
                event = json.loads(body)
                data = event["data"]
                with system._lock:
                    system.deliveries[str(self.headers.get("ce-id"))] += 1
                    system.received[data["dossier_code"]] = data["receiving_agency_code"]
                self._answer(204)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 -- the base class's name
                """Quiet: the demo reads what was received."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="province-system", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/lienthong/submissions"

    def start(self) -> ProvinceSystem:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def snapshot(self) -> dict[str, str]:
        with self._lock:
            return dict(self.received)


@dataclass(frozen=True, slots=True)
class DeliveryComparison:
    """The online submissions of the truth against what the province system received."""

    expected: int
    delivered: int
    missing: tuple[str, ...] = ()
    wrong_unit: tuple[tuple[str, str, str], ...] = ()
    """``(dossier, expected unit, received unit)``."""
    unexpected: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.missing and not self.wrong_unit and not self.unexpected


def compare_deliveries(
    truth_dossiers: Iterable[Mapping[str, Any]], received: Mapping[str, str]
) -> DeliveryComparison:
    """Each dossier filed online must reach its unit (the addressed agency, or a closed one's successor)."""
    expected = {str(d["code"]): str(d["unit"]) for d in truth_dossiers if d.get("submitted_at")}
    missing = tuple(sorted(code for code in expected if code not in received))
    wrong = tuple(
        sorted(
            (code, unit, received[code])
            for code, unit in expected.items()
            if code in received and received[code] != unit
        )
    )
    unexpected = tuple(sorted(code for code in received if code not in expected))
    return DeliveryComparison(len(expected), len(received), missing, wrong, unexpected)
