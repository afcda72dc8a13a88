"""The routing core: pure rules plus FastStream wiring and the state store."""

__all__: list[str] = []
