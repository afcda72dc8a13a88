"""A mock of the National Public Service Portal (Cổng Dịch vụ công quốc gia, DVCQG), faithful to the real one.

It is the *national* side of lienthong's tests and demo: a real HTTP service (Starlette on uvicorn) speaking
the portal's own API with its Vietnamese field names, so it imports nothing of lienthong. What it models:

- **OAuth2 client credentials** (``POST /oauth/token``); every ``/api/...`` call needs a bearer token and is
  refused with 401 and a JSON error when the token is missing, invalid or expired.
- **Dossier sync** as in the older sync services: ``DongBoHoSoMC`` (create with ``isUpdating`` false, answered
  ``"Hồ sơ đã tồn tại"`` for an existing dossier; update with true, answered ``"Hồ sơ không tồn tại"`` for a
  missing one), ``CapNhatTienDoHoSoMC`` (progress rows; the status history is kept) and ``TraCuuHoSo``.
  Success is ``error_code == "00"``; inputs are validated (required fields, code formats, ``yyyyMMddHHmmss``,
  status 1 to 10).
- **Online submissions**: citizens file on the portal (``POST /citizen/submissions``), which assigns the
  dossier code ``<agency>-YYMMDD-NNNN`` (daily sequence per agency); the province polls
  ``GET /api/dvc/HoSoTrucTuyen`` with a cursor that only grows, so nothing is lost or seen twice.
- **The payment platform** (PayGov-like): ``INIT``, the citizen's payment, a **signed confirmation callback**
  (``MaXacThuc``, see :mod:`connectors.national_portal.signature`) delivered in the background with bounded
  retries, ``QUERY`` (``TrangThaiGD`` 1 / 3 / 4) and ``GET_BILL``; duplicates, late and lost confirmations and
  pending outcomes resolved later.
- **Fault injection** from a profile (latency, 503 windows, 429 with ``Retry-After``, timeouts, response
  dropped after the write, per-client rate limit), set at start or at run time, deterministic with a seed.
- **Admin**: ``GET /admin/state`` (everything, with counters), ``POST /admin/reset``,
  ``GET|PUT /admin/faults``, ``GET /healthz``. State lives in SQLite and survives a restart. The endpoint
  table is in ``README.md`` here.

Start it with ``lienthong portal`` (see ``deploy/cli/portal.py``) or build it with :func:`create_app`.
"""

from __future__ import annotations

from connectors.national_portal.app import create_app
from connectors.national_portal.faults import FaultProfile
from connectors.national_portal.settings import PortalSettings
from connectors.national_portal.signature import CALLBACK_FIELDS, sign, verify

__all__ = ["CALLBACK_FIELDS", "FaultProfile", "PortalSettings", "create_app", "sign", "verify"]
