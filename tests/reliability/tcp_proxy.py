"""A database server that stops in the middle of a run, without stopping the real one.

`StoppingServer` is a TCP proxy in front of a real PostgreSQL or MariaDB server (which other
tests share, so it is never stopped itself). The ODBC driver connects to the proxy's port;
the proxy relays every byte both ways and watches the client's side. Armed with a `Cut`, it
"stops the server" at a chosen moment: it closes every connection it relays and refuses new
ones, as a server that went down would. `start()` brings it back on the same port.

The moments, counted in the transactions the client commits (a `COMMIT` statement, which
both psqlODBC and MariaDB Connector/ODBC send as plain text):
- `withhold-commit`: the client's next COMMIT never reaches the server (it rolls back);
- `land-commit`: the next COMMIT reaches the server, which commits, but its answer never
  reaches the client (the client cannot tell whether it landed);
- `mid-write`: after `budget` more bytes from the client, wherever that is: usually halfway
  through a statement of the next transaction.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field
from typing import Literal

from engine.db.odbc import pairs

How = Literal["withhold-commit", "land-commit", "mid-write"]


@dataclass(frozen=True)
class Cut:
    """When the server stops: once `commits` transactions went through, at the next COMMIT
    (withheld or landed), or after `budget` more bytes from the client (mid-write)."""

    commits: int
    how: How
    budget: int = 0


@dataclass(eq=False)
class _Link:
    """One relayed connection: the client's socket and the server's."""

    client: socket.socket
    server: socket.socket
    cut_on_reply: bool = False


@dataclass(eq=False)
class StoppingServer:
    """A TCP proxy to `target` that can stop (every connection closed, new ones refused) and
    start again on the same port."""

    target: tuple[str, int]
    port: int = 0
    commits: int = 0
    """COMMITs seen since the last `arm`."""
    stopped: threading.Event = field(default_factory=threading.Event)
    """Set while the server is stopped."""
    cuts: int = 0
    """How many times an armed cut stopped the server."""
    _cut: Cut | None = None
    _after: int = 0
    _links: list[_Link] = field(default_factory=list)
    _listener: socket.socket | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.start()

    # -- the connection string ---------------------------------------------------------------

    @staticmethod
    def target_of(connection: str, default_port: int) -> tuple[str, int]:
        """The server and port an ODBC connection string names."""
        attrs = {name.lower(): value for name, value in pairs(connection)}
        return (attrs.get("server", "127.0.0.1"), int(attrs.get("port", default_port)))

    def via(self, connection: str) -> str:
        """The connection string, with the server and port replaced by the proxy's."""
        kept = [f"{name}={value}" for name, value in pairs(connection)
                if name.lower() not in ("server", "port")]
        return ";".join([*kept, "Server=127.0.0.1", f"Port={self.port}"])

    # -- running and stopping ----------------------------------------------------------------

    def start(self) -> None:
        """Accept connections (again, on the same port once it had one)."""
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR on POSIX
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
            self.stopped.clear()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Stop the server: close every relayed connection and refuse new ones."""
        with self._lock:
            listener, self._listener = self._listener, None
            links, self._links = self._links, []
            self.stopped.set()
        if listener is not None:
            listener.close()
        for link in links:
            _close(link)

    def arm(self, cut: Cut) -> None:
        """Stop the server at the moment `cut` names (counting from now)."""
        with self._lock:
            self._cut, self.commits, self._after = cut, 0, 0

    def _fire(self) -> None:
        with self._lock:
            self._cut = None
            self.cuts += 1
        self.stop()

    # -- relaying ----------------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        while True:
            with self._lock:
                if self._listener is not listener:
                    return
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            for sock in (client, server):  # relay each message at once, as drivers do
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(client, server)
            with self._lock:
                if self._listener is not listener:  # stopped meanwhile
                    _close(link)
                    return
                self._links.append(link)
            threading.Thread(target=self._upstream, args=(link,), daemon=True).start()
            threading.Thread(target=self._downstream, args=(link,), daemon=True).start()

    def _upstream(self, link: _Link) -> None:
        """Client to server, watched."""
        while data := _receive(link.client):
            data, then = self._watch(data)
            if then == "reply":
                link.cut_on_reply = True
            if data and not _send(link.server, data):
                break
            if then == "now":
                self._fire()
                return
        self._drop(link)

    def _downstream(self, link: _Link) -> None:
        """Server to client; the answer to a landed COMMIT is swallowed by the stop."""
        while data := _receive(link.server):
            if link.cut_on_reply:
                self._fire()
                return
            if not _send(link.client, data):
                break
        self._drop(link)

    def _watch(self, data: bytes) -> tuple[bytes, Literal["now", "reply"] | None]:
        """What of the client's `data` to pass on, and whether the server stops after it."""
        with self._lock:
            cut = self._cut
            if cut is None:
                return data, None
            commit = data.rstrip(b"\0").endswith(b"COMMIT")
            if cut.how == "mid-write":
                if self.commits >= cut.commits:
                    left = cut.budget - self._after
                    if len(data) > left:
                        return data[:max(left, 0)], "now"
                    self._after += len(data)
                self.commits += commit
                return data, None
            if not commit:
                return data, None
            self.commits += 1
            if self.commits <= cut.commits:
                return data, None
            return (b"", "now") if cut.how == "withhold-commit" else (data, "reply")

    def _drop(self, link: _Link) -> None:
        """One side closed its connection: close the other side too."""
        with self._lock:
            if link in self._links:
                self._links.remove(link)
        _close(link)


def _receive(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _send(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def _close(link: _Link) -> None:
    for sock in (link.client, link.server):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
