"""The fault injector's decisions: windows, buckets, probabilities, scope, latency, determinism."""

from __future__ import annotations

import random
import statistics
from typing import Any

from connectors.national_portal.clock import ManualClock
from connectors.national_portal.faults import FaultProfile, LognormalLatency, sample_latency
from connectors.national_portal.injector import FaultInjector, FaultKind, Verdict

PATH = "/api/dvc/DongBoHoSoMC"


def _injector(profile: dict[str, Any], seed: int = 1) -> tuple[FaultInjector, ManualClock]:
    clock = ManualClock()
    return FaultInjector(FaultProfile.model_validate(profile), seed, clock), clock


def _decide(injector: FaultInjector, path: str = PATH, method: str = "POST", client: str = "c") -> Verdict:
    return injector.decide(method, path, client)


def test_empty_profile_is_a_healthy_portal() -> None:
    """No rule, no fault."""
    injector, _ = _injector({})
    assert _decide(injector) == Verdict()


def test_overload_window_relative_to_when_applied() -> None:
    """503 inside [start, end) only, with Retry-After until the window ends."""
    injector, clock = _injector({"overload": {"windows": [{"start_s": 1, "end_s": 3}]}})
    assert _decide(injector).status is None
    clock.advance(1.5)
    inside = _decide(injector)
    assert (inside.status, inside.retry_after_s, inside.kinds) == (503, 2, (FaultKind.OVERLOAD,))
    clock.advance(1.5)
    assert _decide(injector).status is None
    injector.apply(injector.profile)
    clock.advance(2)
    assert _decide(injector).status == 503


def test_token_bucket_per_client() -> None:
    """Burst 2 at 1/s: the third call waits a second; another client has its own bucket."""
    injector, clock = _injector({"rate_limit": {"rate_per_s": 1, "burst": 2}})
    assert [_decide(injector).status for _ in range(3)] == [None, None, 429]
    assert _decide(injector).retry_after_s == 1
    assert _decide(injector, client="other").status is None
    clock.advance(1.0)
    assert _decide(injector).status is None
    assert _decide(injector).status == 429


def test_scope_and_paths_limit_where_faults_apply() -> None:
    """Paths outside the scope are never faulted; a rule's paths narrow it further."""
    injector, _ = _injector({"throttle": {"probability": 1, "paths": [PATH]}})
    assert _decide(injector).status == 429
    assert _decide(injector, path="/api/dvc/TraCuuHoSo").status is None
    assert _decide(injector, path="/oauth/token").status is None
    everywhere, _ = _injector({"scope": ["/"], "throttle": {"probability": 1}})
    assert _decide(everywhere, path="/oauth/token").status == 429


def test_drop_after_write_only_for_writes_by_default() -> None:
    """Drop-after-write hits POST, not GET."""
    injector, _ = _injector({"drop_after_write": {"probability": 1}})
    assert _decide(injector).drop_after_write
    assert not _decide(injector, method="GET").drop_after_write


def test_timeout_verdict_carries_the_hold() -> None:
    """A timeout verdict says how long to hold and how to end."""
    injector, _ = _injector({"timeout": {"probability": 1, "hold_s": 12, "mode": "close"}})
    verdict = _decide(injector)
    assert (verdict.timeout, verdict.hold_s, verdict.close, verdict.status) == (True, 12, True, None)


def test_probabilities_are_honoured_and_deterministic_with_the_seed() -> None:
    """About p of the calls are hit; the same seed repeats the same sequence, another seed does not."""
    profile = {"overload": {"probability": 0.2}, "throttle": {"probability": 0.1}}
    runs = []
    for seed in (5, 5, 6):
        injector, _ = _injector(profile, seed)
        runs.append([_decide(injector).status for _ in range(2000)])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    overloaded = runs[0].count(503) / 2000
    throttled = runs[0].count(429) / 2000
    assert 0.17 < overloaded < 0.23
    assert 0.06 < throttled < 0.10  # 10 % of the 80 % not overloaded


def test_decisions_do_not_depend_on_the_latency_kind() -> None:
    """Changing the latency distribution does not shift the other rules' random draws."""
    base = {"overload": {"probability": 0.3}}
    plain, _ = _injector(base)
    slow, _ = _injector({**base, "latency": {"kind": "lognormal", "median_ms": 50, "p99_ms": 900}})
    assert [_decide(plain).status for _ in range(300)] == [_decide(slow).status for _ in range(300)]


def test_latency_distributions() -> None:
    """Fixed is exact, uniform stays in bounds, lognormal matches its median and 99th percentile."""
    rng = random.Random(3)  # noqa: S311 - a reproducible sample, not secrecy
    injector, _ = _injector({"latency": {"kind": "fixed", "ms": 250}})
    assert _decide(injector).delay_s == 0.25
    assert _decide(injector).kinds == (FaultKind.LATENCY,)
    uniform, _ = _injector({"latency": {"kind": "uniform", "min_ms": 10, "max_ms": 20}})
    assert all(0.010 <= _decide(uniform).delay_s <= 0.020 for _ in range(200))
    rule = LognormalLatency(median_ms=100, p99_ms=1000)
    samples = sorted(sample_latency(rule, rng) for _ in range(20000))
    assert 0.09 < statistics.median(samples) < 0.11
    assert 0.85 < samples[int(0.99 * len(samples))] < 1.15


def test_callback_plan() -> None:
    """Duplicates and losses follow their probabilities; the delay is passed through."""
    injector, _ = _injector({"payment": {"duplicate_callback_probability": 1, "callback_delay_s": 4}})
    plan = injector.callback_plan()
    assert (plan.copies, plan.delay_s) == (2, 4)
    lossy, _ = _injector({"payment": {"callback_loss_probability": 1, "duplicate_callback_probability": 1}})
    assert lossy.callback_plan().copies == 0
    healthy, _ = _injector({})
    assert healthy.callback_plan().copies == 1
