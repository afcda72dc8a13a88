"""The national index's timing rules (domain.md §3) on a dossier snapshot.

* **End of processing**: ``processed_at`` (status 9) if present, else ``delivered_at`` (10), else the
  snapshot's ``status_changed_at`` when its status is 3 (not received), 7 (withdrawn) or 8 (stopped); else
  the dossier is in progress. This is "the first terminal status, 9 before 10 before 8/3, withdrawal also
  ending it", read from the latest snapshot, which carries the dates of every status it went through.
* **Supplement waiting until t**: the sum over rounds requested before t of ``min(returned or t, t) -
  requested`` — a round not returned yet counts up to t.
* **On time as judged at m** (a dossier with a due date): ``j`` = the end if it is before ``m``, else ``m``;
  on time ⇔ at most one supplement round requested before ``j`` and ``j - waiting(j) <= due``. Instants are
  compared exactly; equality with the due date is on time.
"""

from __future__ import annotations

import datetime as dt

from contracts import DossierStatus, DossierStatusChanged

__all__ = ["ENDING_STATUSES", "end_of_processing", "on_time", "supplement_rounds", "supplement_waiting"]

ENDING_STATUSES = frozenset({DossierStatus.NOT_RECEIVED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED})
"""Terminal statuses without a date field of their own: they end processing when the status changed."""


def end_of_processing(dossier: DossierStatusChanged) -> dt.datetime | None:
    """When processing ended, or None while the dossier is in progress."""
    if dossier.processed_at is not None:
        return dossier.processed_at
    if dossier.delivered_at is not None:
        return dossier.delivered_at
    return dossier.status_changed_at if dossier.status in ENDING_STATUSES else None


def supplement_waiting(dossier: DossierStatusChanged, until: dt.datetime) -> dt.timedelta:
    """Time spent waiting for the applicant's supplements before ``until``."""
    waited = dt.timedelta(0)
    for round_ in dossier.supplements:
        if round_.requested_at < until:
            returned = round_.returned_at if round_.returned_at is not None else until
            waited += min(returned, until) - round_.requested_at
    return waited


def supplement_rounds(dossier: DossierStatusChanged, until: dt.datetime) -> int:
    """Supplement requests made before ``until``."""
    return sum(1 for round_ in dossier.supplements if round_.requested_at < until)


def on_time(dossier: DossierStatusChanged, moment: dt.datetime) -> bool:
    """Whether the dossier finished on time, or is still within its deadline, as judged at ``moment``."""
    if dossier.due_at is None:
        raise ValueError(f"dossier {dossier.dossier_code} has no due date to be judged against")
    end = end_of_processing(dossier)
    judged = end if end is not None and end < moment else moment
    if supplement_rounds(dossier, judged) > 1:
        return False
    return judged - supplement_waiting(dossier, judged) <= dossier.due_at
