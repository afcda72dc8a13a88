"""What the runtime reports about a local cluster: per node and as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["ClusterStatus", "NodeStatus"]


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """One node of a local cluster."""

    node_id: int
    address: str
    pid: int | None
    running: bool
    log_file: Path


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    """What ``LocalKafka.status`` reports and ``LocalKafka.up`` returns."""

    state_dir: Path
    version: str | None
    bootstrap: str | None
    nodes: tuple[NodeStatus, ...]
    reused: bool = False

    @property
    def running(self) -> bool:
        """Whether every node of the cluster runs."""
        return bool(self.nodes) and all(node.running for node in self.nodes)

    @property
    def pids(self) -> list[int]:
        """The pids of the running nodes."""
        return [node.pid for node in self.nodes if node.running and node.pid is not None]
