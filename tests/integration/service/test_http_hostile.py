"""The HTTP front of `serve` under hostile clients: compressed and endless
bodies, slow and idle connections, oversized headers, and large but valid
API requests. The limits are the ones docs/service.md ("Limits") lists.

Memory is judged by the serve process's peak RSS (VmHWM in /proc/<pid>/status)
against its value when idle right after start."""

import http.client
import re
import resource
import select
import socket
import threading
import time
import unittest
import urllib.request
import zlib

from botocore.exceptions import ClientError

from service_harness import (ServiceTestCase, create_key, ensure_role, export_args, psql, recreate_bucket,
                             recreate_database)

DB = "svctest_http"
BUCKET = "svctest-http"

# docs/service.md, "Limits".
REQUEST_TIME_LIMIT = 20  # seconds from the moment a connection may send a request to its last byte
MAX_BODY = 1 << 20
MAX_CONNECTIONS = 1024
MAX_CONNECTIONS_PER_ADDRESS = 512
# Allowed growth of the peak RSS over idle while attacked.
RSS_MARGIN_KB = 20 * 1024

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc/<pid>/status")


def exchange(port, head, body_chunks=(), timeout=30):
    """Sends `head` and then each bytes object of `body_chunks` on a new
    connection from a thread (a reset or broken pipe ends the sending), while
    this thread reads the response. Returns (status, headers, body, seconds
    from the first byte sent to the whole response)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def send():
        try:
            sock.sendall(head)
            for chunk in body_chunks:
                sock.sendall(chunk)
        except OSError:
            pass

    started = time.monotonic()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        elapsed = time.monotonic() - started
        return response.status, response.headers, body, elapsed
    finally:
        sock.close()
        sender.join(timeout=timeout)


def gzip_bomb(inflated_bytes):
    """A gzip stream of `inflated_bytes` form bytes ("A=" and zeros), made without holding them."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [compressor.compress(b"A=")]
    block = b"0" * (1 << 20)
    for _ in range(inflated_bytes // len(block)):
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    return b"".join(parts)


def chunked(total_bytes, chunk_bytes=1 << 16):
    """A chunked body of `total_bytes` form bytes, generated as it is sent."""
    block = b"A=" + b"0" * (chunk_bytes - 2)
    sent = 0
    while sent < total_bytes:
        yield b"%x\r\n" % len(block) + block + b"\r\n"
        sent += len(block)
    yield b"0\r\n\r\n"


def assert_xml_error(test, status, headers, body, want_status, want_code):
    text = body.decode()
    test.assertEqual(status, want_status, text)
    test.assertEqual(headers["Content-Type"], "text/xml")
    test.assertRegex(headers["x-amzn-RequestId"], r"^[0-9a-f-]{36}$")
    test.assertRegex(text, r"^<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error>"
                           r"<Type>Sender</Type><Code>" + want_code + r"</Code><Message>[^<]+</Message></Error>"
                           r"<RequestId>" + headers["x-amzn-RequestId"] + r"</RequestId></ErrorResponse>$")


class HttpHostileTest(ServiceTestCase):
    @classmethod
    def setUpClass(cls):
        recreate_database(DB)
        psql(DB, "CREATE TABLE orders (id bigint PRIMARY KEY, note text);"
                 "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 100) g;")
        recreate_bucket(BUCKET)
        cls.role = ensure_role()
        cls.key = create_key()

    def setUp(self):
        super().setUp()
        self.service = self.start_service("http", [("shop", DB, "")])
        self.port = self.service.port
        self.get("/healthz")
        self.idle_rss_kb = peak_rss_kb(self.service.process.pid)

    def get(self, path, timeout=10):
        with urllib.request.urlopen(self.service.endpoint + path, timeout=timeout) as r:
            return r.status, r.read().decode()

    def metrics(self):
        return self.get("/metrics")[1]

    def assert_memory_stayed_near_idle(self):
        peak = peak_rss_kb(self.service.process.pid)
        self.assertLess(peak - self.idle_rss_kb, RSS_MARGIN_KB,
                        f"peak RSS {peak} kB against {self.idle_rss_kb} kB when idle")

    def post_head(self, extra, length=None):
        lines = ["POST / HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Type: {FORM}", *extra]
        if length is not None:
            lines.append(f"Content-Length: {length}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def test_a_gzip_bomb_is_refused_without_inflating_it(self):
        bomb = gzip_bomb(200 << 20)
        self.assertLess(len(bomb), 300 << 10)
        head = self.post_head(["Content-Encoding: gzip"], length=len(bomb))
        status, headers, body, _ = exchange(self.port, head, [bomb])
        self.assert_memory_stayed_near_idle()
        assert_xml_error(self, status, headers, body, 415, "UnsupportedContentEncoding")
        self.assertEqual(headers["Connection"], "close")
        # The service still answers.
        self.assertEqual(self.get("/healthz"), (200, "ok\n"))

    def test_an_endless_chunked_body_is_cut_at_the_body_limit(self):
        head = self.post_head(["Transfer-Encoding: chunked"])
        status, headers, body, _ = exchange(self.port, head, chunked(150 << 20))
        self.assert_memory_stayed_near_idle()
        assert_xml_error(self, status, headers, body, 413, "RequestEntityTooLarge")
        # A declared length above the limit is refused before the body is sent.
        status, headers, body, _ = exchange(self.port, self.post_head(["Expect: 100-continue"], length=150 << 20))
        assert_xml_error(self, status, headers, body, 413, "RequestEntityTooLarge")
        self.assert_memory_stayed_near_idle()
        self.assertEqual(self.get("/healthz"), (200, "ok\n"))

    def test_health_answers_while_200_slow_clients_trickle_headers(self):
        slow = [socket.create_connection(("127.0.0.1", self.port)) for _ in range(200)]
        idle = socket.create_connection(("127.0.0.1", self.port))
        opened = time.monotonic()
        request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 4000
        stop = threading.Event()

        def trickle():
            # One byte on every connection, then a pause: one byte per connection per second.
            for i in range(len(request)):
                for s in slow:
                    try:
                        s.send(request[i:i + 1])
                    except OSError:
                        pass
                if stop.wait(1.0):
                    return

        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        try:
            latencies = []
            while time.monotonic() - opened < 8:
                started = time.monotonic()
                self.assertEqual(self.get("/healthz", timeout=5), (200, "ok\n"))
                latencies.append(time.monotonic() - started)
                time.sleep(0.25)
            self.assertLess(max(latencies), 1.0, latencies)

            # Each slow request is answered 408 and closed once the request time limit is over; the
            # connection that never sent a byte is closed without an answer.
            answers = {}
            pending = {s.fileno(): s for s in slow + [idle]}
            deadline = opened + REQUEST_TIME_LIMIT + 5
            while pending and time.monotonic() < deadline:
                ready, _, _ = select.select(list(pending.values()), [], [], 0.5)
                for s in ready:
                    try:
                        data = s.recv(65536)
                    except OSError:
                        data = b""
                    answers[s] = answers.get(s, b"") + data
                    if not data:
                        del pending[s.fileno()]
            closed_after = time.monotonic() - opened
            self.assertEqual(pending, {}, f"{len(pending)} connections still open after {closed_after:.1f} s")
            self.assertGreater(closed_after, REQUEST_TIME_LIMIT - 2)
            self.assertEqual(answers[idle], b"")
            for s in slow:
                self.assertTrue(answers[s].startswith(b"HTTP/1.1 408 "), answers[s][:200])
                self.assertIn(b"<Code>RequestTimeout</Code>", answers[s])
            self.assertIn('dbexport_http_refusals_total{reason="timeout"} 200\n', self.metrics())
        finally:
            stop.set()
            trickler.join()
            for s in slow + [idle]:
                s.close()

    def test_too_many_or_too_large_headers_are_refused_at_once(self):
        # 5,000 headers of 4 KB: refused after the first 16 KB, not read to the end.
        head = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n".encode()
        fields = (b"X-Big-%d: " % i + b"v" * 4096 + b"\r\n" for i in range(5000))
        status, headers, body, elapsed = exchange(self.port, head, fields)
        assert_xml_error(self, status, headers, body, 431, "RequestHeaderFieldsTooLarge")
        self.assertNotIn(b"vvvv", body)
        self.assertLess(elapsed, 2.0)
        # 150 small headers: too many, though small.
        fields = "".join(f"X-Small-{i}: 1\r\n" for i in range(150))
        head = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{fields}\r\n".encode()
        status, headers, body, elapsed = exchange(self.port, head)
        assert_xml_error(self, status, headers, body, 431, "RequestHeaderFieldsTooLarge")
        self.assertLess(elapsed, 2.0)
        # Transfer codings other than chunked are not implemented.
        status, headers, body, _ = exchange(self.port, self.post_head(["Transfer-Encoding: gzip, chunked"]))
        self.assertEqual(status, 501, body)
        self.assertIn(b"<Code>NotImplemented</Code>", body)
        self.assert_memory_stayed_near_idle()
        self.assertEqual(self.get("/healthz"), (200, "ok\n"))

    def start_args(self, task_id, **extra):
        return export_args(task_id, "shop", BUCKET, self.role, self.key, **extra)

    def test_a_100kb_export_only_list_reaches_the_api(self):
        names = [f"{DB}.public.orders"] + [f"{DB}.public.missing_table_{i:05d}" for i in range(3400)]
        self.assertGreater(sum(map(len, names)), 100_000)
        rds = self.service.rds()
        started = rds.start_export_task(**self.start_args("long-list", ExportOnly=names))
        self.assertEqual(started["Status"], "STARTING")
        self.assertEqual(len(started["ExportOnly"]), len(names))
        self.service.wait_status("long-list", {"COMPLETE", "FAILED"})
        # Above the API's own limit (200 KB of names), still under the body limit: the API's answer.
        names = [f"{DB}.public.missing_table_{i:05d}" for i in range(8000)]
        with self.assertRaises(rds.exceptions.InvalidExportOnlyFault) as ctx:
            rds.start_export_task(**self.start_args("longer-list", ExportOnly=names))
        self.assertIn("above the limit of", ctx.exception.response["Error"]["Message"])

    def test_a_body_over_the_limit_is_an_error_boto3_reads(self):
        names = [f"{DB}.public.missing_table_{i:05d}" for i in range(30000)]
        rds = self.service.rds()
        with self.assertRaises(ClientError) as ctx:
            rds.start_export_task(**self.start_args("too-long", ExportOnly=names))
        error = ctx.exception.response["Error"]
        self.assertEqual(error["Code"], "RequestEntityTooLarge")
        self.assertEqual(error["Message"], f"The request body is larger than the limit of {MAX_BODY} bytes.")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 413)
        self.assertRegex(ctx.exception.response["ResponseMetadata"]["RequestId"], r"^[0-9a-f-]{36}$")
        self.assert_memory_stayed_near_idle()
        # The same client goes on working.
        self.assertEqual(rds.describe_export_tasks()["ExportTasks"], [])

    def test_refusals_are_counted_in_metrics(self):
        exchange(self.port, self.post_head(["Content-Encoding: gzip"], length=4), [b"abcd"])
        exchange(self.port, self.post_head(["Content-Encoding: br"], length=4), [b"abcd"])
        exchange(self.port, self.post_head([], length=MAX_BODY + 1))
        fields = "".join(f"X-Small-{i}: 1\r\n" for i in range(150))
        exchange(self.port, f"GET / HTTP/1.1\r\nHost: x\r\n{fields}\r\n".encode())
        exchange(self.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 20000 + b"\r\n\r\n")
        exchange(self.port, b"NOT HTTP AT ALL\r\n\r\n")
        text = self.metrics()
        self.assertIn("# TYPE dbexport_http_refusals_total counter\n", text)
        self.assertIn('dbexport_http_refusals_total{reason="content_encoding"} 2\n', text)
        self.assertIn('dbexport_http_refusals_total{reason="body_too_large"} 1\n', text)
        self.assertIn('dbexport_http_refusals_total{reason="header_count"} 1\n', text)
        self.assertIn('dbexport_http_refusals_total{reason="header_size"} 1\n', text)
        self.assertIn('dbexport_http_refusals_total{reason="bad_request"} 1\n', text)
        self.assertRegex(text, r"dbexport_http_open_connections \d+\n")
        # One log line per reason at most in 10 s, naming the reason and the client, never header values.
        log = self.service.log()
        self.assertEqual(len(re.findall(r"refused .*content_encoding", log)), 1, log)
        self.assertNotIn("vvvv", log)

    def connect_from(self, address):
        return socket.create_connection(("127.0.0.1", self.port), timeout=10, source_address=(address, 0))

    def get_from(self, address, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10, source_address=(address, 0))
        try:
            conn.request("GET", path, headers={"Connection": "close"})
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def assert_refused_at_connect(self, address, reason_text):
        with self.connect_from(address) as s:
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        self.assertTrue(answer.startswith(b"HTTP/1.1 503 "), answer[:200])
        self.assertIn(b"<Code>ServiceUnavailable</Code>", answer)
        self.assertIn(reason_text, answer)

    def test_connection_limits_keep_one_client_from_taking_every_connection(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 2 * MAX_CONNECTIONS:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * MAX_CONNECTIONS), hard))
        held = []
        try:
            # One address holds its share; the next connection from it is refused, others get in.
            held += [self.connect_from("127.0.0.1") for _ in range(MAX_CONNECTIONS_PER_ADDRESS)]
            self.assert_refused_at_connect("127.0.0.1", b"This client has too many open connections")
            self.assertEqual(self.get_from("127.0.0.2", "/healthz"), (200, "ok\n"))
            time.sleep(0.5)  # that connection is gone
            # A second address takes the rest: the service is full for everyone.
            held += [self.connect_from("127.0.0.3") for _ in range(MAX_CONNECTIONS - MAX_CONNECTIONS_PER_ADDRESS)]
            self.assert_refused_at_connect("127.0.0.4", b"The service has too many open connections")
            for s in held:
                s.close()
            held = []
            deadline = time.monotonic() + 5
            while True:
                try:
                    self.assertEqual(self.get_from("127.0.0.4", "/healthz"), (200, "ok\n"))
                    break
                except (OSError, http.client.HTTPException, AssertionError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            text = self.metrics()
            self.assertIn('dbexport_http_refusals_total{reason="address_connections"} 1\n', text)
            self.assertIn('dbexport_http_refusals_total{reason="connections"} 1\n', text)
        finally:
            for s in held:
                s.close()

    def test_keep_alive_head_and_unknown_paths(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        for _ in range(3):
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            self.assertEqual((response.status, response.read()), (200, b"ok\n"))
        sock = conn.sock
        conn.request("HEAD", "/healthz")
        response = conn.getresponse()
        self.assertEqual((response.status, response.getheader("Content-Length"), response.read()), (200, "3", b""))
        conn.request("GET", "/nowhere")
        response = conn.getresponse()
        self.assertEqual(response.status, 404)
        response.read()
        conn.request("GET", "/")
        response = conn.getresponse()
        self.assertEqual(response.status, 403)
        self.assertIn(b"<Code>MissingAuthenticationToken</Code>", response.read())
        self.assertIs(conn.sock, sock)  # one connection throughout
        conn.close()


if __name__ == "__main__":
    unittest.main()
