"""The service and the CLI against hostile or careless input: prefixes and
names that try to leave the task's folder, passwords in every URL shape,
header values made to forge log lines, tables whose names clean to the same
folder, the state directory's file modes, and signed webhooks."""

import base64
import hashlib
import hmac
import json
import os
import socket
import stat
import subprocess
import tempfile
import time
import unittest
import urllib.request

from botocore.exceptions import ClientError

from service_harness import (ACCOUNT, MOTO_ENV, Service, ServiceTestCase, WebhookReceiver, create_key,
                             dbexport_bin, duckdb, ensure_role, env, export_args, get_json, list_keys, moto_client,
                             pg_url, psql, recreate_bucket, recreate_database)

DB = "svctest_hard"
DB_DOTS = ".."
BUCKET = "svctest-hard"
VICTIM = "svctest-victim"
PG_SECRET = "Pg-Secret-8c41f"      # in the user info of a cluster source
QUERY_SECRET = "Query-Secret-77a2"  # in ?password= of another cluster
CLI_SECRET = "Cli-Secret-5d0e9"
BAD_SECRET = "Bad-Secret-19ce"     # in a source with a bad percent-escape
WEBHOOK_KEY = b"0123456789abcdef0123456789abcdef"


def with_password(url, password):
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{password}@{host}"


def run_cli(*args, extra_env=None):
    process_env = dict(os.environ, **MOTO_ENV, **(extra_env or {}))
    return subprocess.run([dbexport_bin(), "run", "--progress", "none", *args], capture_output=True, text=True,
                          env=process_env, timeout=300)


def files_under(root):
    out = []
    for dirpath, _, names in os.walk(root):
        out.extend(os.path.join(dirpath, n) for n in names)
    return sorted(out)


def files_containing(paths, needles):
    """(path, needle) for every file that holds any needle."""
    hits = []
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        hits.extend((path, n) for n in needles if n.encode() in data)
    return hits


class HardeningTest(ServiceTestCase):
    @classmethod
    def setUpClass(cls):
        recreate_database(DB)
        psql(DB, """
            CREATE TABLE "a b" (id int PRIMARY KEY, v text);
            CREATE TABLE a_b (id int PRIMARY KEY, v text);
            INSERT INTO "a b" SELECT g, 'space ' || g FROM generate_series(1, 30) g;
            INSERT INTO a_b SELECT g, 'underscore ' || g FROM generate_series(1, 70) g;
        """)
        psql(None, 'DROP DATABASE IF EXISTS ".." WITH (FORCE); CREATE DATABASE "..";')
        psql(DB_DOTS, "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2), (3);")
        recreate_bucket(BUCKET)
        recreate_bucket(VICTIM)
        cls.role = ensure_role()
        cls.key = create_key()

    def start_args(self, task_id, cluster="shop", bucket=BUCKET, **extra):
        return export_args(task_id, cluster, bucket, self.role, self.key, **extra)

    # 3. '..' never leaves the bucket and prefix asked for.
    def test_dot_segment_prefixes_are_refused_and_nothing_lands_outside(self):
        service = self.start_service("dots", [("shop", DB, "")])
        rds = service.rds()
        for i, prefix in enumerate(["../svctest-victim/svc", "a/../../svctest-victim", "a//b", "./x", "x/..",
                                    "tab\there"]):
            with self.assertRaises(ClientError, msg=prefix) as caught:
                rds.start_export_task(**self.start_args(f"dots-{i}", S3Prefix=prefix))
            self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidParameterValue", prefix)
            self.assertIn("S3 prefix", caught.exception.response["Error"]["Message"])
        r = run_cli("--source", pg_url(DB), "--dest", f"s3://{BUCKET}/../{VICTIM}/x", "--endpoint-url",
                    env("DBX_TEST_S3_ENDPOINT"), "--task-id", "cli-dots")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("'..' segment", r.stderr)
        self.assertEqual(list_keys(VICTIM, ""), [])
        self.assertEqual(list_keys(BUCKET, ""), [])

    def test_a_database_named_dot_dot_stays_inside_its_folder(self):
        parent = tempfile.mkdtemp(prefix="svctest-dots-")
        dest = os.path.join(parent, "out")
        r = run_cli("--source", pg_url(DB_DOTS), "--dest", dest, "--task-id", "dots-db")
        self.assertEqual(r.returncode, 0, r.stderr)
        files = files_under(parent)
        self.assertTrue(files)
        for path in files:
            self.assertTrue(path.startswith(os.path.join(dest, "dots-db") + "/"), path)
        data = [p for p in files if p.endswith(".parquet")]
        self.assertTrue(all(p.startswith(os.path.join(dest, "dots-db", "__", "public.t") + "/") for p in data), data)
        rows = duckdb([f"SELECT sum(id) FROM read_parquet({json.dumps(data)})"])[0]["rows"]
        self.assertEqual(rows, [["6"]])

    # 7. Two tables, two folders.
    def test_tables_whose_names_clean_alike_get_distinct_folders(self):
        dest = tempfile.mkdtemp(prefix="svctest-names-")
        r = run_cli("--source", pg_url(DB), "--dest", dest, "--task-id", "names")
        self.assertEqual(r.returncode, 0, r.stderr)
        tables = {}
        for path in files_under(os.path.join(dest, "names")):
            name = os.path.basename(path)
            if name.startswith("export_tables_info_"):
                with open(path) as f:
                    for entry in json.load(f)["perTableStatus"]:
                        tables[entry["target"]] = entry
        space, underscore = tables[f"{DB}.public.a b"], tables[f"{DB}.public.a_b"]
        self.assertEqual(underscore["tableStatistics"]["keyPrefix"], f"names/{DB}/public.a_b/")
        self.assertEqual(space["tableStatistics"]["keyPrefix"], f"names/{DB}/public.a_b-2/")
        self.assertTrue(any("public.a_b-2/" in w for w in space["warnings"]), space["warnings"])
        for entry, rows, word in [(space, 30, "space"), (underscore, 70, "underscore")]:
            files = [os.path.join(dest, f["key"]) for f in entry["tableStatistics"]["dataFiles"]]
            self.assertTrue(files)
            self.assertTrue(all(f["key"].startswith(entry["tableStatistics"]["keyPrefix"])
                                for f in entry["tableStatistics"]["dataFiles"]))
            out = duckdb([f"SELECT count(*), count(*) FILTER (WHERE v LIKE '{word} %') "
                          f"FROM read_parquet({json.dumps(files)})"])[0]["rows"]
            self.assertEqual(out, [[str(rows), str(rows)]])

    # 4. No password in any output, whatever the URL shape.
    def test_no_password_reaches_any_file_the_service_or_the_cli_wrote(self):
        receiver = WebhookReceiver()
        self.addCleanup(receiver.close)
        query_url = pg_url(DB) + "?password=" + QUERY_SECRET + "&connect_timeout=5"
        service = self.start_service("secrets", [
            ("shop", with_password(pg_url(DB), PG_SECRET), ""),
            ("query", query_url, ""),
            ("missing", with_password(pg_url("svctest_no_such_db"), PG_SECRET), ""),
            ("nobucket", with_password(pg_url(DB), PG_SECRET), "")],
            webhook_url=receiver.url)
        rds = service.rds()
        rds.start_export_task(**self.start_args("sec-ok", "shop", S3Prefix="secrets"))
        rds.start_export_task(**self.start_args("sec-query", "query", S3Prefix="secrets"))
        rds.start_export_task(**self.start_args("sec-missing", "missing", S3Prefix="secrets"))
        rds.start_export_task(**self.start_args("sec-nobucket", "nobucket", bucket="svctest-no-such-bucket"))
        service.wait_status("sec-ok", "COMPLETE")
        service.wait_status("sec-query", "COMPLETE")
        self.assertIn("does not exist", service.wait_status("sec-missing", "FAILED")["FailureCause"])
        service.wait_status("sec-nobucket", "FAILED")
        deadline = time.time() + 30
        while time.time() < deadline and len(receiver.deliveries) < 10:
            time.sleep(0.2)
        described = json.dumps(rds.describe_export_tasks()["ExportTasks"], default=str)
        metrics = service_get(service, "/metrics")
        info = get_json(BUCKET, "secrets/sec-query/export_info_sec-query.json")
        self.assertEqual(info["sourceArn"], f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:query")
        service.stop()

        # Everything the service wrote: state directory, its stderr, the
        # exported objects, webhooks, API answers, metrics.
        written = [p for p in files_under(service.dir) if not p.endswith("dbexport.toml")]  # the one we wrote
        download_dir = tempfile.mkdtemp(prefix="svctest-secrets-")
        s3 = moto_client("s3")
        for key in list_keys(BUCKET, "secrets/"):
            path = os.path.join(download_dir, key.replace("/", "_"))
            s3.download_file(BUCKET, key, path)
            written.append(path)
        self.assertTrue(any(p.endswith("tasks.db") for p in written))
        self.assertTrue(any(p.endswith("dbexport.log") for p in written))
        texts = {"DescribeExportTasks": described, "metrics": metrics,
                 "webhooks": b"".join(body for _, body in receiver.deliveries).decode()}
        secrets = [PG_SECRET, QUERY_SECRET]
        self.assertEqual(files_containing(written, secrets), [])
        for what, text in texts.items():
            for secret in secrets:
                self.assertNotIn(secret, text, what)

        # The CLI: the default SourceArn, messages and files.
        dest = tempfile.mkdtemp(prefix="svctest-cli-secrets-")
        url = pg_url(DB) + "?password=" + CLI_SECRET
        r = run_cli("--source", url, "--dest", dest, "--task-id", "cli-sec")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(dest, "cli-sec", "export_info_cli-sec.json")) as f:
            self.assertEqual(json.load(f)["sourceArn"], pg_url(DB))
        r2 = run_cli("--source", with_password(pg_url("svctest_no_such_db"), CLI_SECRET), "--dest", dest,
                     "--task-id", "cli-sec-missing")
        self.assertEqual(r2.returncode, 1, r2.stderr)
        self.assertEqual(files_containing(files_under(dest), [CLI_SECRET]), [])
        for output in (r.stdout, r.stderr, r2.stdout, r2.stderr):
            self.assertNotIn(CLI_SECRET, output)

    def test_a_bad_source_url_stops_the_service_at_start_without_quoting_it(self):
        bad = pg_url(DB).replace("postgres@", f"postgres:{BAD_SECRET}%zz@")
        service = self.start_service_expecting_failure("badurl", [("shop", bad, "")])
        self.assertEqual(service.process.returncode, 2)
        log = service.log()
        self.assertRegex(log, r"dbexport\.toml:\d+")
        self.assertIn("percent-escape in the password", log)
        self.assertNotIn(BAD_SECRET, log)
        self.assertNotIn("Bad-", log)

        r = run_cli("--source", bad, "--dest", tempfile.mkdtemp(prefix="svctest-badurl-"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("percent-escape in the password", r.stderr)
        self.assertNotIn("Bad-", r.stderr)

    # 6. Header values never reach the log; the log stays one line per event.
    def test_log_stays_free_of_control_characters_and_header_values(self):
        service = self.start_service("logs", [("shop", DB, "")])
        marker = "Mk7q"
        hostile_date = (marker + "\t\x1b[2J\x07\xff\xfe\xc3(\x85").encode("latin-1")
        hostile_auth = ("AWS4-HMAC-SHA256 Credential=AKIAX/2024\x01/us\teast/rds/aws4_request, SignedHeaders=host, "
                        "Signature=" + "0" * 64).encode("latin-1")
        body = b"Action=DescribeExportTasks&Version=2014-10-31"
        responses = []
        for headers in ([(b"X-Amz-Date", hostile_date), (b"Authorization", hostile_auth)],
                        [(b"X-Amz-Date", b"20240101T000000Z"), (b"Authorization", hostile_auth)],
                        [(b"X-Amz-Date", hostile_date)]):
            request = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
                       b"".join(k + b": " + v + b"\r\n" for k, v in headers) +
                       b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            responses.append(raw_http(service.port, request))
        for response in responses:
            self.assertRegex(response[:12], rb"HTTP/1\.1 [45]\d\d")
            self.assertNotIn(marker.encode(), response)
        service.stop()
        for path in (os.path.join(service.state_dir, "dbexport.log"), service.log_path):
            with open(path, "rb") as f:
                data = f.read()
            self.assertNotIn(marker.encode(), data, path)
            self.assertNotIn(b"AKIAX", data, path)
            for line in data.split(b"\n"):
                self.assertFalse(any(b < 0x20 or b == 0x7F for b in line), line)
                line.decode("utf-8")  # raises on invalid UTF-8

    # 8. Readable by the owner only.
    def test_state_directory_and_its_files_are_private(self):
        state = os.path.join(tempfile.mkdtemp(prefix="svctest-modes-"), "state")
        os.makedirs(state, mode=0o755)
        os.chmod(state, 0o755)
        service = self.start_service("modes", [("shop", DB, "")], state_dir=state)
        service.rds().start_export_task(**self.start_args("modes-1", S3Prefix="modes"))
        service.wait_status("modes-1", "COMPLETE")
        self.assertEqual(stat.S_IMODE(os.stat(state).st_mode), 0o700)
        names = os.listdir(state)
        for name in ("tasks.db", "dbexport.log", "dbexport.lock"):
            self.assertIn(name, names)
        for name in names:
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(state, name)).st_mode), 0o600, name)

    def test_webhooks_are_signed_as_standard_webhooks_specifies(self):
        receiver = WebhookReceiver()
        self.addCleanup(receiver.close)
        secret = "whsec_" + base64.b64encode(WEBHOOK_KEY).decode()
        service = self.start_service("signed", [("shop", DB, "")], webhook_url=receiver.url, webhook_secret=secret)
        service.rds().start_export_task(**self.start_args("signed-1", S3Prefix="signed"))
        service.wait_status("signed-1", "COMPLETE")
        deadline = time.time() + 30
        while time.time() < deadline and len(receiver.deliveries) < 3:
            time.sleep(0.2)
        self.assertEqual(len(receiver.deliveries), 3)
        for headers, body in receiver.deliveries:
            event = json.loads(body)
            self.assertEqual(headers["webhook-id"], event["eventId"])
            timestamp = int(headers["webhook-timestamp"])
            self.assertLess(abs(time.time() - timestamp), 300)
            signed = f"{headers['webhook-id']}.{timestamp}.".encode() + body
            expected = base64.b64encode(hmac.new(WEBHOOK_KEY, signed, hashlib.sha256).digest()).decode()
            self.assertEqual(headers["webhook-signature"], "v1," + expected)
            forged = body.replace(b"COMPLETE", b"FAILED") if b"COMPLETE" in body else body + b" "
            forged_mac = hmac.new(WEBHOOK_KEY, f"{headers['webhook-id']}.{timestamp}.".encode() + forged,
                                  hashlib.sha256).digest()
            self.assertNotEqual(headers["webhook-signature"], "v1," + base64.b64encode(forged_mac).decode())
        self.assertNotIn(secret, service.log())

    def start_service_expecting_failure(self, name, clusters):
        service = Service(name, clusters)
        self.services.append(service)
        with self.assertRaises(AssertionError):
            service.start()
        return service


def service_get(service, path):
    with urllib.request.urlopen(service.endpoint + path, timeout=10) as r:
        return r.read().decode()


def raw_http(port, request):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        chunks = []
        while True:
            try:
                data = s.recv(65536)
            except socket.timeout:
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)


if __name__ == "__main__":
    unittest.main()
