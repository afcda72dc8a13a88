"""The identity connector: agency-code registry decisions (issue, amend, close) from files to Kafka.

It reads registry files (JSON Lines or CSV, :mod:`connectors.identity.records`), validates every decision —
codes, levels, a closed code never reused, successors — and publishes ``AgencyCodeIssued``,
``AgencyCodeAmended`` and ``AgencyCodeClosed`` keyed by agency code, with deterministic ids and a
processed-state file (:mod:`connectors.identity.ledger`) so that importing again publishes nothing new.
Registries for Cao Bằng, Đắk Lắk, Đồng Nai and Lâm Đồng, with the 2025 merger closures, are shipped
(:mod:`connectors.identity.shipped`). ``README.md`` here documents the format and the registries.

Run it with ``lienthong connector identity import``.
"""

from __future__ import annotations

from connectors.identity.importer import FileReport, RegistryImporter, Rejection, plan_rows
from connectors.identity.ledger import ImportLedger, event_id
from connectors.identity.records import FIELDS, Action, read_registry
from connectors.identity.settings import IdentitySettings
from connectors.identity.shipped import PROVINCE_REGISTRIES, registry_files

__all__ = [
    "FIELDS",
    "PROVINCE_REGISTRIES",
    "Action",
    "FileReport",
    "IdentitySettings",
    "ImportLedger",
    "RegistryImporter",
    "Rejection",
    "event_id",
    "plan_rows",
    "read_registry",
    "registry_files",
]
