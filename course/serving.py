"""A small JSON-over-HTTP server for the serving lab, safe to run on any machine.

:class:`LoopbackServer` listens on 127.0.0.1 only (nothing outside the machine can reach it),
on a port the operating system picks, in a background thread. It answers at most
``max_requests`` requests, stops after ``max_seconds``, and shuts down when its ``with`` block
ends. A *route* is a function ``body bytes -> (status, payload)``; the server sends the
payload as JSON. A route that raises becomes a ``500`` answer instead of killing the server.
:func:`call_json` is the matching client.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Self

HOST = "127.0.0.1"
Route = Callable[[bytes], "tuple[int, object]"]


class LoopbackServer:
    """Serve ``routes`` (``{(method, path): route}``) on 127.0.0.1 inside a ``with`` block."""

    def __init__(self, routes: Mapping[tuple[str, str], Route], max_requests: int = 1000,
                 max_seconds: float = 60.0):
        if not isinstance(max_requests, int) or max_requests < 1:
            raise ValueError(f"max_requests must be a positive integer, got {max_requests!r}")
        if not isinstance(max_seconds, (int, float)) or max_seconds <= 0:
            raise ValueError(f"max_seconds must be a positive number of seconds, got {max_seconds!r}")
        for key in routes:
            if not (isinstance(key, tuple) and len(key) == 2 and key[0] in ("GET", "POST")
                    and isinstance(key[1], str) and key[1].startswith("/")):
                raise ValueError(f"a route key is (method, path) such as ('POST', '/predict'), got {key!r}")
        self.routes = dict(routes)
        self.max_requests, self.max_seconds = max_requests, float(max_seconds)
        self.served = 0
        self.port: int | None = None
        self.thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._httpd: HTTPServer | None = None

    def __enter__(self) -> Self:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # small answers leave at once (no 40 ms TCP delay)

            def _answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                route = owner.routes.get((self.command, self.path))
                try:
                    if route is None:
                        status, payload = 404, {"error": f"no route for {self.command} {self.path}"}
                    else:
                        status, payload = route(body)
                    data = json.dumps(payload).encode()
                except Exception as error:  # noqa: BLE001  a bug in a route must not kill the server
                    status = 500
                    data = json.dumps({"error": f"{type(error).__name__}: {error}"}).encode()
                owner.served += 1  # counted before the answer leaves, so a client that has it sees the count
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):  # no access log in the notebook
                pass

        self._httpd = HTTPServer((HOST, 0), Handler)  # port 0: any free port
        self._httpd.timeout = 0.05  # handle_request() returns after this when idle
        self.port = self._httpd.server_address[1]
        self.thread = threading.Thread(target=self._loop, name="loopback-server", daemon=True)
        self.thread.start()
        return self

    def _loop(self) -> None:
        deadline = time.monotonic() + self.max_seconds
        while not self._stop.is_set() and self.served < self.max_requests and time.monotonic() < deadline:
            self._httpd.handle_request()

    @property
    def running(self) -> bool:
        """True while the server thread is alive."""
        return self.thread is not None and self.thread.is_alive()

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        if self._httpd is not None:
            self._httpd.server_close()


def call_json(port: int, method: str, path: str, payload=None, timeout: float = 10.0):
    """Send one request to the loopback server; returns ``(status, decoded JSON answer)``.

    ``payload`` is sent as JSON; pass ``bytes`` to send a raw body (a malformed request).
    """
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        if payload is None or isinstance(payload, bytes):
            body = payload
        else:
            body = json.dumps(payload).encode()
        connection.request(method, path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()
