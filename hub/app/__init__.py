"""The hub process: FastStream subscribers over the pure rules, the outbox relay, dead letters, HTTP side."""

from hub.app.factory import HubApp, create_app, dead_letter_topics

__all__ = ["HubApp", "create_app", "dead_letter_topics"]
