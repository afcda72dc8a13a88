"""The shape of a local cluster: its release, its KRaft cluster id and each node's ports, all on loopback.

Every node is a combined broker + controller and a voter of the static quorum, so one node is a complete
cluster and three nodes survive the loss of any one.
"""

from __future__ import annotations

import base64
import errno
import os
import random
import socket
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from deploy.kafka.versions import KafkaRelease

__all__ = ["HOST", "ClusterSpec", "NodeSpec", "free_ports", "new_cluster_id", "ports_are_free"]

HOST = "127.0.0.1"
_LOWEST_PORT = 10000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """One combined broker + controller: its node id, client port and controller port."""

    node_id: int
    port: int
    controller_port: int

    @property
    def address(self) -> str:
        """The client address, ``host:port``."""
        return f"{HOST}:{self.port}"


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    """A whole local cluster, as recorded in the state directory."""

    release: KafkaRelease
    cluster_id: str
    nodes: tuple[NodeSpec, ...]

    @classmethod
    def create(cls, release: KafkaRelease, brokers: int) -> ClusterSpec:
        """A new cluster of ``brokers`` nodes (ids 1..n) on freshly picked free ports."""
        ports = free_ports(2 * brokers)
        nodes = tuple(NodeSpec(i + 1, ports[2 * i], ports[2 * i + 1]) for i in range(brokers))
        return cls(release, new_cluster_id(), nodes)

    @property
    def bootstrap(self) -> str:
        """The ``bootstrap.servers`` string naming every node."""
        return ",".join(node.address for node in self.nodes)

    @property
    def quorum_voters(self) -> str:
        """The static ``controller.quorum.voters`` value: every node votes."""
        return ",".join(f"{node.node_id}@{HOST}:{node.controller_port}" for node in self.nodes)

    @property
    def ports(self) -> list[int]:
        """Every port the cluster listens on."""
        return [port for node in self.nodes for port in (node.port, node.controller_port)]

    def with_free_ports(self) -> ClusterSpec:
        """This cluster, moved to new ports if any of its recorded ones is taken now."""
        if ports_are_free(self.ports):
            return self
        ports = free_ports(len(self.ports))
        nodes = tuple(
            replace(node, port=ports[2 * i], controller_port=ports[2 * i + 1])
            for i, node in enumerate(self.nodes)
        )
        return replace(self, nodes=nodes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready description (see :meth:`from_json`)."""
        return {
            "version": str(self.release),
            "cluster_id": self.cluster_id,
            "nodes": [
                {"node_id": n.node_id, "port": n.port, "controller_port": n.controller_port}
                for n in self.nodes
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClusterSpec:
        """Read back what :meth:`to_json` wrote."""
        nodes = tuple(
            NodeSpec(int(n["node_id"]), int(n["port"]), int(n["controller_port"])) for n in data["nodes"]
        )
        return cls(KafkaRelease.parse(str(data["version"])), str(data["cluster_id"]), nodes)


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, base64url without padding, as ``StorageTool random-uuid`` makes.

    Like Kafka's ``Uuid.randomUuid`` it never starts with ``-``, which a command line would read as an option.
    """
    while True:
        text = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode("ascii")
        if not text.startswith("-"):
            return text


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports that accept a bind right now.

    Ports come from outside the kernel's ephemeral range: a port picked inside it could be taken as the local
    end of some outgoing connection (a test client's, say) before the broker binds it.
    """
    low, high = _ephemeral_range()
    rng = random.SystemRandom()
    held: list[socket.socket] = []
    try:
        for _ in range(200 * count):
            if len(held) == count:
                break
            port = rng.randrange(_LOWEST_PORT, 65536)
            if low <= port <= high or port in {s.getsockname()[1] for s in held}:
                continue
            sock = _bind(port)
            if sock is not None:
                held.append(sock)
        if len(held) < count:
            raise OSError(errno.EADDRINUSE, f"could not find {count} free loopback ports")
        return [s.getsockname()[1] for s in held]
    finally:
        for sock in held:
            sock.close()


def ports_are_free(ports: list[int]) -> bool:
    """Whether every one of ``ports`` accepts a bind on loopback right now."""
    held = [_bind(port) for port in ports]
    for sock in held:
        if sock is not None:
            sock.close()
    return all(sock is not None for sock in held)


def _bind(port: int) -> socket.socket | None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As the JVM does for server sockets: connections the previous broker closed may linger in TIME_WAIT on
    # its ports for a minute; they do not stop a new listener, so they must not make a port look taken.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        return None
    return sock


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = (int(part) for part in _EPHEMERAL_RANGE.read_text(encoding="ascii").split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high
