"""course.serving: the loopback JSON server of the serving lab."""
from __future__ import annotations

import json
import socket
import time

import pytest

from course.serving import HOST, LoopbackServer, call_json


def echo(body):
    return 200, {"echo": json.loads(body)}


def test_routes_answer_json_and_unknown_paths_get_404():
    routes = {("GET", "/health"): lambda body: (200, {"ok": True}), ("POST", "/echo"): echo}
    with LoopbackServer(routes, max_requests=10, max_seconds=10) as server:
        assert call_json(server.port, "GET", "/health") == (200, {"ok": True})
        assert call_json(server.port, "POST", "/echo", {"x": [1, 2]}) == (200, {"echo": {"x": [1, 2]}})
        status, payload = call_json(server.port, "GET", "/nowhere")
        assert status == 404 and "no route" in payload["error"]
        assert server.served == 3


def test_a_crashing_route_becomes_a_500_and_the_server_keeps_serving():
    routes = {("POST", "/echo"): echo}
    with LoopbackServer(routes, max_requests=10, max_seconds=10) as server:
        status, payload = call_json(server.port, "POST", "/echo", b"not json")
        assert status == 500 and payload["error"].startswith("JSONDecodeError")
        assert call_json(server.port, "POST", "/echo", [1])[0] == 200


def test_a_payload_that_is_not_json_serialisable_becomes_a_500():
    with LoopbackServer({("GET", "/bad"): lambda body: (200, {"x": object()})}, max_seconds=10) as server:
        status, payload = call_json(server.port, "GET", "/bad")
        assert status == 500 and "TypeError" in payload["error"]


def test_listens_on_loopback_only_and_stops_at_the_end_of_the_block():
    with LoopbackServer({("GET", "/h"): lambda body: (200, {})}, max_seconds=10) as server:
        assert server._httpd.server_address[0] == HOST == "127.0.0.1"
        assert server.running
        port = server.port
    assert not server.running
    with pytest.raises(OSError), socket.create_connection((HOST, port), timeout=1):
        pass


def test_stops_after_max_requests():
    with LoopbackServer({("GET", "/h"): lambda body: (200, {})}, max_requests=2, max_seconds=10) as server:
        call_json(server.port, "GET", "/h")
        call_json(server.port, "GET", "/h")
        server.thread.join(timeout=2)
        assert not server.running and server.served == 2


def test_stops_after_max_seconds():
    start = time.monotonic()
    with LoopbackServer({("GET", "/h"): lambda body: (200, {})}, max_seconds=0.3) as server:
        server.thread.join(timeout=3)
        assert not server.running
    assert time.monotonic() - start < 3


@pytest.mark.parametrize("kwargs", [{"max_requests": 0}, {"max_seconds": -1}, {"max_requests": 1.5}])
def test_rejects_bad_limits(kwargs):
    with pytest.raises(ValueError):
        LoopbackServer({}, **kwargs)


@pytest.mark.parametrize("key", [("PUT", "/x"), ("GET", "x"), "GET /x"])
def test_rejects_bad_route_keys(key):
    with pytest.raises(ValueError, match="route key"):
        LoopbackServer({key: echo})
