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
                                        | "forward_then_drop",
                              "status": 503, "code": "SlowDown",
                              "message": "...", "times": 2}]
                          match fields are substrings, all optional; "times"
                          is how many requests the rule hits (-1: all).
    GET  /__fault/log     the requests seen: [{"method", "path", "query",
                              "authorization", "security_token", "target",
                              "body_prefix", "fault"}]
    DELETE /__fault/log   clear the log.

Faults:
    status         answer with an S3-style XML error (no forwarding)
    drop           close the connection without reading the body or answering
    drop_mid_body  read about half of the body, then reset the connection
    forward_then_drop  forward the request, then reset the connection
                   instead of answering (the request took effect, the
                   response was lost)
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


def match_rule(method, path, query, headers, body_prefix):
    with STATE_LOCK:
        for rule in RULES:
            if rule.get("times", -1) == 0:
                continue
            if "method" in rule and rule["method"] != method:
                continue
            if "path" in rule and rule["path"] not in path:
                continue
            if "query" in rule and rule["query"] not in query:
                continue
            if "body" in rule and rule["body"] not in body_prefix:
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
            "fault": rule["action"] if rule else "",
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
