"""Shared test configuration: fixture plugins live in ``tests/fixtures``.

Hypothesis runs without its wall-clock checks (the per-example deadline and the "generation is slow" health
check): on a loaded two-core machine they fail on timing, not on behaviour. The properties still run every
example.
"""

from hypothesis import HealthCheck, settings

pytest_plugins = ["tests.fixtures.kafka", "tests.fixtures.topics", "tests.fixtures.postgres"]

settings.register_profile("lienthong", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("lienthong")
