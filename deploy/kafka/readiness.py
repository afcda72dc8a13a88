"""When is a local cluster ready: every client port accepts a connection and the cluster's metadata, asked
through aiokafka's admin client, lists every broker.

A broker opens its client port only once it has started, but the port alone does not prove the quorum has
registered every broker; the metadata call does, and it is the call any client makes first.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from deploy.kafka.errors import BrokerNotReadyError
from deploy.kafka.topology import HOST, ClusterSpec

__all__ = ["wait_until_ready"]

_T = TypeVar("_T")
_RETRY_SECONDS = 0.25
_CONNECT_SECONDS = 1.0
_REQUEST_MS = 5000


class _NotReadyYetError(Exception):
    """One readiness probe failed; the message says which part."""


def wait_until_ready(cluster: ClusterSpec, timeout: float, check_processes: Callable[[], None]) -> None:
    """Block until ``cluster`` is ready, calling ``check_processes`` (which raises if a broker died) between
    probes; raise :class:`BrokerNotReadyError` when ``timeout`` seconds pass first."""
    _run_blocking(lambda: _wait(cluster, timeout, check_processes))


async def _wait(cluster: ClusterSpec, seconds: float, check_processes: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    reason = "no probe finished"
    while True:
        check_processes()
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise BrokerNotReadyError(
                f"Kafka at {cluster.bootstrap} was not ready after {seconds:.0f} s ({reason})"
            )
        try:
            await asyncio.wait_for(_probe(cluster), remaining)
        except _NotReadyYetError as exc:
            reason = str(exc)
        except TimeoutError:
            reason = "the last probe timed out"
        else:
            return
        await asyncio.sleep(_RETRY_SECONDS)


async def _probe(cluster: ClusterSpec) -> None:
    for node in cluster.nodes:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(HOST, node.port), _CONNECT_SECONDS)
        except (OSError, TimeoutError) as exc:
            raise _NotReadyYetError(f"{node.address} does not accept connections yet") from exc
        writer.close()
        await writer.wait_closed()
    admin = AIOKafkaAdminClient(
        bootstrap_servers=cluster.bootstrap, request_timeout_ms=_REQUEST_MS, client_id="lienthong-readiness"
    )
    try:
        await admin.start()
        description = await admin.describe_cluster()
    except (KafkaError, OSError) as exc:
        raise _NotReadyYetError(f"the metadata request failed: {exc!r}") from exc
    finally:
        await admin.close()
    registered = len(description.get("brokers", []))
    if registered < len(cluster.nodes):
        raise _NotReadyYetError(f"{registered} of {len(cluster.nodes)} brokers registered")


def _run_blocking(factory: Callable[[], Awaitable[_T]]) -> _T:
    """Run a coroutine to completion from synchronous code, even when called inside a running event loop."""

    async def main() -> _T:
        return await factory()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()
