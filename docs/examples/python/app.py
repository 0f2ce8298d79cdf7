#!/usr/bin/env python3
"""A reference app for the quiesce protocol (docs/protocol.md), standard library only."""
import argparse
import hashlib
import hmac
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

VERSION_HEADER = "Quiesce-Protocol-Version"
MAX_BODY = 1024
MAX_REASON = 256
METHODS = ("GET", "POST", "DELETE")


class Quiescer:
    """The mode (set by POST / DELETE) and the counters; the state follows from the mode and inFlight (§4)."""

    def __init__(self):
        self.lock = threading.Condition()
        self.quiescing = False
        self.in_flight = 0
        self.accepted = 0
        self.refused = 0
        self.release_until = 0.0  # while the pod settles, answers close their connection (§7)

    def status(self):
        with self.lock:
            state = "serving" if not self.quiescing else "quiescing" if self.in_flight > 0 else "drained"
            return {"state": state, "inFlight": self.in_flight, "accepted": self.accepted,
                    "refused": self.refused, "classes": {"sync": self.in_flight}}

    def set_quiescing(self, quiescing):
        with self.lock:
            self.quiescing = quiescing
            self.release_until = 0.0
        return self.status()

    def release(self, header):
        """The settle's Quiesce-Release-Connections: a positive number of seconds; other values are ignored."""
        value = header.strip()
        if not (value.isascii() and value.isdigit()) or int(value) <= 0:
            return
        with self.lock:
            self.release_until = max(self.release_until, time.monotonic() + min(int(value), 3600))

    def releasing(self):
        with self.lock:
            return self.quiescing or time.monotonic() < self.release_until

    def admit(self, allowed):
        """Counts a new unit of work in, or a refusal (False) while quiescing (§7.1, §7.3)."""
        with self.lock:
            if self.quiescing and not allowed:
                self.refused += 1
                return False
            self.accepted += 1
            self.in_flight += 1
            return True

    def done(self):
        with self.lock:
            self.in_flight -= 1
            self.lock.notify_all()

    def wait_drained(self, timeout):
        with self.lock:
            return self.lock.wait_for(lambda: self.in_flight == 0, timeout)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    quiescer: Quiescer
    token: str | None = None
    quiesce_here = True  # the quiesce endpoint on this port (False on the main port when there is an admin port)
    work_here = True
    retry_after = 5

    def __getattr__(self, name):  # every method, known or not, goes through route()
        if name.startswith("do_"):
            return self.route
        raise AttributeError(name)

    def log_message(self, format, *args):
        pass

    def route(self):
        path = urlsplit(self.path).path
        if path == "/quiesce" and self.quiesce_here:
            self.quiesce_endpoint()
        elif path == "/healthz":
            self.send_json(200, {"live": True})
        elif path == "/readyz":
            self.send_json(503 if self.quiescer.quiescing else 200, {"ready": not self.quiescer.quiescing})
        elif path == "/work" and self.work_here and self.command == "GET":
            self.work()
        else:
            self.send_json(404, {"error": "not-found", "message": f"no route {self.command} {path}"}, close=True)

    def work(self):
        ms = parse_qs(urlsplit(self.path).query).get("ms", ["0"])[0]
        if not (ms.isascii() and ms.isdigit()):
            self.send_json(400, {"error": "bad-query", "message": "ms must be a whole number"}, close=True)
            return
        ms = int(ms)
        if not self.quiescer.admit(self.headers.get("X-Quiesce-Allow") is not None):
            self.send_json(503, {"error": "quiescing", "message": "quiescing: retry elsewhere"}, close=True,
                           headers={"Retry-After": str(self.retry_after)})
            return
        try:
            time.sleep(ms / 1000)
            self.send_json(200, {"work": "done", "ms": ms}, close=self.quiescer.releasing())
        finally:
            self.quiescer.done()

    def quiesce_endpoint(self):
        if not self.authorized():
            self.error(401, "unauthorized", "missing or invalid bearer token",
                       {"WWW-Authenticate": 'Bearer realm="quiesce"'})
        elif self.command not in METHODS:
            self.error(405, "method-not-allowed", f"method {self.command} is not allowed; use GET, POST or DELETE",
                       {"Allow": ", ".join(METHODS)})
        elif self.headers.get(VERSION_HEADER, "1") != "1":
            self.error(400, "unsupported-protocol-version", "this server speaks protocol version 1")
        else:
            problem = self.body_problem()
            if problem:
                self.error(*problem)
            elif self.command == "POST":
                self.send_protocol(202, self.quiescer.set_quiescing(True))
            elif self.command == "DELETE":
                self.send_protocol(200, self.quiescer.set_quiescing(False))
            else:
                self.quiescer.release(self.headers.get("Quiesce-Release-Connections", ""))
                self.send_protocol(200, self.quiescer.status())

    def authorized(self):
        if not self.token:
            return True
        scheme, _, presented = self.headers.get("Authorization", "").strip().partition(" ")
        digest = lambda s: hashlib.sha256(s.encode()).digest()  # noqa: E731 (constant time, any length)
        return scheme.lower() == "bearer" and hmac.compare_digest(digest(presented.strip()), digest(self.token))

    def body_problem(self):
        """None for an empty body or a valid JSON object, else (status, code, message); reads at most MAX_BODY."""
        body = self.read_bounded()
        if body is None:
            return 413, "body-too-large", f"request body exceeds {MAX_BODY} bytes"
        if not body:
            return None
        if self.headers.get("Content-Type", "").split(";")[0].strip().lower() != "application/json":
            return 415, "unsupported-media-type", "request body must be application/json"
        try:
            parsed = json.loads(body)
        except ValueError:
            return 400, "malformed-body", "request body is not valid JSON"
        if not isinstance(parsed, dict):
            return 400, "malformed-body", "request body must be a JSON object"
        reason = parsed.get("reason")
        if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
            return 400, "malformed-body", f"reason must be a string of at most {MAX_REASON} characters"
        return None

    def read_bounded(self):
        """The body, or None when it is larger than MAX_BODY (a declared length above it is never read)."""
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            length = int(self.headers.get("Content-Length") or 0)
            return None if length > MAX_BODY else self.rfile.read(length)
        body = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return body
            if len(body) + size > MAX_BODY:
                return None
            body += self.rfile.read(size)
            self.rfile.readline()

    def error(self, status, code, message, headers=None):
        self.send_protocol(status, {"error": code, "message": message}, close=True, headers=headers)

    def send_protocol(self, status, body, close=False, headers=None):
        extra = {VERSION_HEADER: "1", "Cache-Control": "no-store", **(headers or {})}
        self.send_json(status, body, close=close, headers=extra)

    def send_json(self, status, body, close=False, headers=None):
        payload = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)


def serve(handler_class=Handler, quiescer_class=Quiescer, argv=None):
    parser = argparse.ArgumentParser(description="quiesce protocol reference app (Python)")
    parser.add_argument("--host", default=os.environ.get("POD_IP", "0.0.0.0"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--admin-port", type=int, default=os.environ.get("ADMIN_PORT"),
                        help="serve /quiesce, /healthz, /readyz here instead of on --port")
    parser.add_argument("--token-file", default=os.environ.get("QUIESCE_TOKEN_FILE"))
    parser.add_argument("--retry-after", type=int, default=5)
    parser.add_argument("--shutdown-timeout", type=float, default=25.0, help="seconds to drain on SIGTERM")
    args = parser.parse_args(argv)
    token = open(args.token_file).read().strip() if args.token_file else os.environ.get("QUIESCE_TOKEN")
    quiescer = quiescer_class()
    admin = args.admin_port is not None
    shared = {"quiescer": quiescer, "token": token or None, "retry_after": args.retry_after}
    main = type("Main", (handler_class,), {**shared, "quiesce_here": not admin})
    servers = [ThreadingHTTPServer((args.host, args.port), main)]
    if admin:
        servers.append(ThreadingHTTPServer((args.host, int(args.admin_port)),
                                           type("Admin", (handler_class,), {**shared, "work_here": False})))
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"listening": [s.server_address[1] for s in servers], "token": bool(token)}), flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1):
        pass
    quiescer.set_quiescing(True)  # §7.6: quiesce, let the work finish (bounded), then exit
    drained = quiescer.wait_drained(args.shutdown_timeout)
    for server in servers:
        server.shutdown()
    raise SystemExit(0 if drained else 1)


if __name__ == "__main__":
    serve()
