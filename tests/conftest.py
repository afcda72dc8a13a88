"""Shared test configuration: fixture plugins live in ``tests/fixtures``."""

pytest_plugins = ["tests.fixtures.kafka", "tests.fixtures.topics", "tests.fixtures.postgres"]
