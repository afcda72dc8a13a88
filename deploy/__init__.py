"""How lienthong's pieces are started: the ``lienthong`` command, the local Kafka runtime, the demo.

This is the composition root: the only package that may import ``hub`` and ``connectors`` side by side.
"""

__all__: list[str] = []
