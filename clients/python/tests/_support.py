"""Test helpers: the real Herald process, a recording receiver, a fault-injecting proxy.

Everything waits on conditions with deadlines; nothing sleeps blindly.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import httpx

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parents[2]


def herald_binary() -> Path:
    """``HERALD_BIN``, else ``$CARGO_TARGET_DIR/debug/herald``, else ``<repo>/target/debug/herald``."""
    if os.environ.get("HERALD_BIN"):
        return Path(os.environ["HERALD_BIN"])
    target = os.environ.get("CARGO_TARGET_DIR")
    base = (REPO_ROOT / target) if target else REPO_ROOT / "target"
    return base / "debug" / "herald"


def path_of(webhook: object) -> str:
    """The receiver path a webhook delivers to."""
    return "/" + str(webhook.url).split("/", 3)[3]  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    """Polls ``predicate`` until it holds or the deadline passes (then AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# --- Herald ----------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, ask for SIGTERM when pytest dies, so a
    killed test run leaves no herald behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class HeraldProcess:
    """``herald serve`` on a free port with a fresh SQLite database in ``workdir``."""

    def __init__(self, binary: Path, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.api_key = "pytest-" + secrets.token_hex(16)
        self.admin_password = "pytest-admin-" + secrets.token_hex(8)
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.port = 0
        self.log_path = workdir / "herald.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, deadline_s: float = 60.0) -> None:
        if not self.binary.is_file():
            raise RuntimeError(
                f"herald binary not found at {self.binary}: build it (scripts/build or cargo build) "
                "or point HERALD_BIN at it"
            )
        last_error = ""
        for _ in range(3):  # a free port can be taken between probing and binding
            self.port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "LEPTOS_"))}
            env.update(
                HERALD_ADDR=f"127.0.0.1:{self.port}",
                HERALD_DATABASE_URL=f"sqlite://{self.workdir / 'herald.db'}",
                HERALD_ALLOWED_TARGETS="127.0.0.0/8",
                HERALD_BOOTSTRAP_API_KEY=self.api_key,
                HERALD_ADMIN_PASSWORD=self.admin_password,
                HERALD_TEST_RATE_LIMIT="1000",
                HERALD_LOG="warn",
            )
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [str(self.binary), "serve"],
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
            log.close()
            if self._wait_healthy(deadline_s):
                return
            last_error = self.log_tail()
            self.stop()
        raise RuntimeError(f"herald did not become healthy; log:\n{last_error}")

    def _wait_healthy(self, deadline_s: float) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


# --- the receiver ----------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: List[Tuple[str, str]]
    body: bytes

    @property
    def header_dict(self) -> Dict[str, str]:
        """Headers by lower-cased name."""
        return {k.lower(): v for k, v in self.headers}

    def json(self) -> object:
        return json.loads(self.body)


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every request.

    The first path segment picks the answer: ``/bad/...`` 400, anything else 200.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._requests: List[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._cond:
                    receiver._requests.append(Received(self.path, list(self.headers.items()), body))
                    receiver._cond.notify_all()
                kind = self.path.strip("/").split("/")[0]
                status = 400 if kind == "bad" else 200
                out = b'{"ok": true}' if status == 200 else b'{"error": "bad"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self, path: Optional[str] = None) -> List[Received]:
        with self._cond:
            return [r for r in self._requests if path is None or r.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 15.0) -> List[Received]:
        """Blocks until ``path`` got at least ``count`` requests; returns them."""
        with self._cond:
            ok = self._cond.wait_for(lambda: len([r for r in self._requests if r.path == path]) >= count, timeout)
            got = [r for r in self._requests if r.path == path]
        if not ok:
            raise AssertionError(f"receiver: wanted {count} request(s) at {path} within {timeout} s, got {len(got)}")
        return got

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# --- the fault-injecting proxy -------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: Dict[str, str]
    body: bytes
    #: Herald's answer when the request was forwarded.
    upstream_status: Optional[int] = None
    upstream_headers: Dict[str, str] = field(default_factory=dict)
    upstream_body: bytes = b""
    #: What the client got: a status, or None when the connection was dropped.
    answered: Optional[int] = None


@dataclass
class Fault:
    method: str
    path_prefix: str
    #: ``after_503``: forward, then answer 503 instead of Herald's answer;
    #: ``after_drop``: forward, then close the connection without answering;
    #: ``before``: answer ``status`` (with ``retry_after``) without forwarding.
    mode: str
    times: int = 1
    status: int = 503
    retry_after: Optional[str] = None


class FaultProxy:
    """A reverse proxy in front of Herald that records requests and injects faults."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.seen: List[Seen] = []
        self.faults: List[Fault] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with proxy._lock:
                    proxy.seen.append(seen)
                    fault = proxy._take_fault(self.command, self.path)
                if fault is not None and fault.mode == "before":
                    problem = json.dumps(
                        {
                            "type": "about:blank",
                            "title": "Injected",
                            "status": fault.status,
                            "detail": "injected by the test proxy",
                        }
                    ).encode()
                    headers = {"Content-Type": "application/problem+json"}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = fault.retry_after
                    self._answer(seen, fault.status, headers, problem)
                    return
                status, headers, payload = proxy._forward(self.command, self.path, dict(self.headers.items()), body)
                seen.upstream_status, seen.upstream_headers, seen.upstream_body = status, headers, payload
                if fault is not None and fault.mode == "after_drop":
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                if fault is not None and fault.mode == "after_503":
                    self._answer(seen, 503, {"Content-Type": "text/plain"}, b"injected 503 after forwarding")
                    return
                self._answer(seen, status, headers, payload)

            def _answer(self, seen: Seen, status: int, headers: Dict[str, str], payload: bytes) -> None:
                seen.answered = status
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def requests(self, method: str, path_prefix: str) -> List[Seen]:
        with self._lock:
            return [s for s in self.seen if s.method == method and s.path.startswith(path_prefix)]

    def _take_fault(self, method: str, path: str) -> Optional[Fault]:
        for f in self.faults:
            if f.times > 0 and f.method == method and path.startswith(f.path_prefix):
                f.times -= 1
                return f
        return None

    def _forward(
        self, method: str, path: str, headers: Dict[str, str], body: bytes
    ) -> Tuple[int, Dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=30)
        try:
            fwd = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection", "keep-alive")}
            conn.request(method, path, body=body or None, headers=fwd)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
