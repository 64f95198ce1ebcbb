"""Fixtures: one real Herald for the session, a recording receiver, clients, webhooks."""

from __future__ import annotations

import os
import uuid
from typing import Any, Callable, Iterator, List

import pytest
from _support import FaultProxy, HeraldProcess, Receiver, herald_binary

import herald

# The clients talk to 127.0.0.1 only: never through a proxy from the environment.
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var, ""), "127.0.0.1", "localhost"]))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeraldProcess]:
    proc = HeraldProcess(herald_binary(), tmp_path_factory.mktemp("herald"))
    try:
        proc.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def client(server: HeraldProcess) -> Iterator[herald.Herald]:
    with herald.Herald(server.url, server.api_key, retry_backoff=0.05) as c:
        yield c


@pytest.fixture
def proxy(server: HeraldProcess) -> Iterator[FaultProxy]:
    p = FaultProxy(server.port)
    yield p
    p.stop()


@pytest.fixture
def event_type(client: herald.Herald) -> str:
    """A fresh event type, so only this test's webhooks get its events."""
    name = f"pytest.t{uuid.uuid4().hex[:12]}"
    client.event_types.create(name, description="created by the Python client tests")
    return name


@pytest.fixture
def make_webhook(client: herald.Herald, receiver: Receiver) -> Iterator[Callable[..., herald.Webhook]]:
    """Creates webhooks pointing at the receiver (``kind`` picks its answer: ok or bad)
    on a path of their own; deletes them afterwards."""
    created: List[str] = []

    def make(event_types: List[str], kind: str = "ok", **kwargs: Any) -> herald.Webhook:
        path = f"/{kind}/{uuid.uuid4().hex}"
        kwargs.setdefault("name", f"pytest {path}")
        w = client.webhooks.create(url=receiver.url(path), event_types=event_types, **kwargs)
        created.append(w.id)
        return w

    yield make
    for wid in created:
        try:
            client.webhooks.delete(wid)
        except herald.NotFound:
            pass


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
