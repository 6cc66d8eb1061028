#!/usr/bin/env python3
"""A fault-injecting HTTP reverse proxy for the S3 client's tests.

Clients use the proxy as their endpoint; it forwards every request to the
upstream (moto_server) unless a fault rule matches, and records each request.

    fault_proxy.py --upstream http://127.0.0.1:55391 [--port 0]

prints "PORT <n>" on its first stdout line once listening. Control API (JSON):

    PUT  /__fault/rules   replace the rules: [{"method": "PUT",
                              "query": "partNumber", "path": "/bucket/key",
                              "body": "AssumeRole", "header": "x-amz-target: ..",
                              "action": "status" | "drop" | "drop_mid_body"
                                        | "forward_then_drop" | "pause",
                              "status": 503, "code": "SlowDown",
                              "message": "...", "seconds": 8, "times": 2}]
                          match fields are substrings, all optional; "times"
                          is how many requests the rule hits (-1: all).
    GET  /__fault/log     the requests seen, in the order they were handled
                          (a held request when it is released):
                              [{"method", "path", "query", "authorization",
                              "security_token", "target", "body_prefix",
                              "fault", "held"}]
    DELETE /__fault/log   clear the log.
    PUT  /__fault/pause   pause: hold every request from now on (below).
    DELETE /__fault/pause resume: release the held requests.
    GET  /__fault/pause   {"paused": bool, "held": requests not yet released
                              and forwarded}

Pause, like a SIGSTOPped server: connections are accepted and requests
left unanswered, their bodies unread, for as long as the pause lasts (only
the request line and headers are read, to tell the control API apart).
On resume the held requests are forwarded one after another in order of
arrival, each answered by the upstream before the next is sent (a client
that gave up meanwhile no longer gets the answer, but what it sent takes
effect, as on a resumed server); requests arriving while some are still
held queue behind them. Fault rules apply to held requests when they are
released.

Faults:
    status         answer with an S3-style XML error (no forwarding)
    drop           close the connection without reading the body or answering
    drop_mid_body  read about half of the body, then reset the connection
    forward_then_drop  forward the request, then reset the connection
                   instead of answering (the request took effect, the
                   response was lost)
    pause          pause the proxy (below) with this request the first one
                   held, for "seconds" (then resume by itself) or until
                   DELETE /__fault/pause. Matched before the body is read:
                   "body" is ignored.
"""

import argparse
import http.client
import json
import socket
import struct
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE_LOCK = threading.Lock()
RULES = []
LOG = []
UPSTREAM = None

# The pause gate: requests take tickets while paused or while earlier
# tickets are outstanding, and go through in ticket order.
GATE = threading.Condition()
PAUSED = False
NEXT_TICKET = 0  # the ticket the next held request gets
SERVING = 0      # the ticket that may go through now


def hold():
    """Waits while paused and behind earlier held requests; returns the
    ticket to release, or None when the request was not held."""
    global NEXT_TICKET
    with GATE:
        if not PAUSED and NEXT_TICKET == SERVING:
            return None
        ticket = NEXT_TICKET
        NEXT_TICKET += 1
        while PAUSED or SERVING != ticket:
            GATE.wait()
        return ticket


def release(ticket):
    global SERVING
    if ticket is None:
        return
    with GATE:
        SERVING += 1
        GATE.notify_all()


def set_paused(paused, seconds=None):
    global PAUSED
    with GATE:
        PAUSED = paused
        GATE.notify_all()
    if paused and seconds is not None:
        timer = threading.Timer(float(seconds), set_paused, [False])
        timer.daemon = True
        timer.start()


def pause_state():
    with GATE:
        return {"paused": PAUSED, "held": NEXT_TICKET - SERVING}


def match_rule(method, path, query, headers, body_prefix, pause_rules=False):
    """The first live rule matching the request, among the pause rules or
    among the others; its "times" is counted down."""
    with STATE_LOCK:
        for rule in RULES:
            if rule.get("times", -1) == 0:
                continue
            if (rule.get("action") == "pause") != pause_rules:
                continue
            if "method" in rule and rule["method"] != method:
                continue
            if "path" in rule and rule["path"] not in path:
                continue
            if "query" in rule and rule["query"] not in query:
                continue
            if "body" in rule and body_prefix is not None and rule["body"] not in body_prefix:
                continue
            if "header" in rule:
                name, _, value = rule["header"].partition(":")
                if value.strip() not in headers.get(name.strip(), ""):
                    continue
            if rule.get("times", -1) > 0:
                rule["times"] -= 1
            return dict(rule)
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _control(self, method):
        global RULES
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        out = b""
        if self.path.startswith("/__fault/rules") and method == "PUT":
            with STATE_LOCK:
                RULES = json.loads(body or b"[]")
        elif self.path.startswith("/__fault/log") and method == "GET":
            with STATE_LOCK:
                out = json.dumps(LOG).encode()
        elif self.path.startswith("/__fault/log") and method == "DELETE":
            with STATE_LOCK:
                LOG.clear()
        elif self.path.startswith("/__fault/pause") and method in ("PUT", "DELETE"):
            set_paused(method == "PUT")
        elif self.path.startswith("/__fault/pause") and method == "GET":
            out = json.dumps(pause_state()).encode()
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def _reset(self):
        # RST instead of FIN: the client sees the connection die mid-request.
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def _handle(self, method):
        if self.path.startswith("/__fault/"):
            return self._control(method)
        parsed = urllib.parse.urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        pause = match_rule(method, parsed.path, parsed.query, headers, None, pause_rules=True)
        if pause:
            set_paused(True, pause.get("seconds"))
        ticket = hold()
        try:
            self._proxy(method, ticket is not None, "pause" if pause else "")
        except OSError:
            # The client went away (it gave up on a held request): what it
            # sent has been forwarded or not, as far as it got.
            self.close_connection = True
        finally:
            release(ticket)

    def _proxy(self, method, held, fault):
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        # Match on the first bytes of the body (STS/KMS actions) without
        # reading all of it, so drop_mid_body can still cut it.
        peek_len = min(length, 4096)
        body_head = self.rfile.read(peek_len) if peek_len else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        rule = match_rule(method, parsed.path, parsed.query, headers, body_head.decode("latin-1"))
        entry = {
            "method": method,
            "path": urllib.parse.unquote(parsed.path),
            "query": parsed.query,
            "authorization": headers.get("authorization", ""),
            "security_token": headers.get("x-amz-security-token", ""),
            "target": headers.get("x-amz-target", ""),
            "sse": headers.get("x-amz-server-side-encryption", ""),
            "body_prefix": body_head[:200].decode("latin-1"),
            "fault": rule["action"] if rule else fault,
            "held": held,
        }
        with STATE_LOCK:
            LOG.append(entry)

        if rule and rule["action"] == "drop":
            return self._reset()
        if rule and rule["action"] == "drop_mid_body":
            remaining = length - peek_len
            self.rfile.read(remaining // 2)
            return self._reset()

        rest = self.rfile.read(length - peek_len) if length > peek_len else b""
        body = body_head + rest
        if len(body) < length:
            # The client gave up mid-body (a held upload): a server gets a
            # truncated request and drops it.
            return self._reset()
        if rule and rule["action"] == "status":
            status = int(rule.get("status", 500))
            code = rule.get("code", "InternalError")
            message = rule.get("message", "injected fault")
            if rule.get("json"):
                payload = json.dumps({"__type": code, "message": message}).encode()
                ctype = "application/x-amz-json-1.1"
            else:
                payload = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>'
                    "<RequestId>FAULTPROXY0001</RequestId></Error>" % (code, message)
                ).encode()
                ctype = "application/xml"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("x-amz-request-id", "FAULTPROXY0001")
            self.send_header("Content-Length", str(0 if method == "HEAD" else len(payload)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(payload)
            return

        up = urllib.parse.urlsplit(UPSTREAM)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        fwd_headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        try:
            conn.request(method, self.path, body=body if (body or method in ("PUT", "POST")) else None,
                         headers=fwd_headers)
            resp = conn.getresponse()
            data = resp.read()
        except OSError as e:
            msg = str(e).encode()
            self.send_response(502)
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        finally:
            conn.close()
        if rule and rule["action"] == "forward_then_drop":
            return self._reset()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() in ("connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"):
                continue
            self.send_header(k, v)
        if method == "HEAD":
            self.send_header("Content-Length", resp.getheader("Content-Length", "0"))
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        self._handle("GET")

    def do_PUT(self):
        self._handle("PUT")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_HEAD(self):
        self._handle("HEAD")


def main():
    global UPSTREAM
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    UPSTREAM = args.upstream.rstrip("/")
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
