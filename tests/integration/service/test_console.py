"""The web console at /console/: its files and headers as served, then the
whole console driven in headless Chromium (tests/tools/console_e2e.mjs,
puppeteer-core): sign-in (a wrong secret refused), an export started from the
form and followed to Complete, its per-table rows compared with PostgreSQL,
a validation error shown beside its field, a running export canceled through
the confirmation dialog, an export to a missing bucket and its failure cause,
reload, keyboard-only use, a phone-sized viewport, sign-out.

DBX_CONSOLE_SCREENSHOTS=1 also writes the screenshots of docs/console/.
Needs Debian's chromium (/usr/bin/chromium, or DBX_CHROMIUM) and
tests/tools/node_modules (scripts/install-deps); a missing one fails."""

import json
import os
import subprocess
import time
import unittest
import urllib.error
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from service_harness import (ACCOUNT, ADMIN_KEY, ADMIN_SECRET, REGION, ServiceTestCase, create_key, ensure_role, env,
                             export_args, psql, recreate_bucket, recreate_database)

BUCKET = "console-e2e"
MISSING_BUCKET = "console-e2e-no-such-bucket"
DB_SMALL = "console_shop"
DB_BIG = "console_big"
CLUSTER_SMALL = "console-shop"
CLUSTER_BIG = "console-big"
BIG_ROWS = 2_000_000


def arn(cluster):
    return f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{cluster}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url):
    """(status, headers, body) of a GET, redirects not followed."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def signed_post(endpoint, params, secret=ADMIN_SECRET):
    """POSTs a Query API request signed with SigV4 (botocore's signer); returns (status, body text)."""
    request = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/", data=params,
                                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(ADMIN_KEY, secret), "rds", REGION).add_auth(request)
    prepared = request.prepare()
    http = urllib.request.Request(prepared.url, data=prepared.body.encode() if isinstance(prepared.body, str)
                                  else prepared.body, headers=dict(prepared.headers), method="POST")
    try:
        with urllib.request.urlopen(http, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class ConsoleTest(ServiceTestCase):
    @classmethod
    def setUpClass(cls):
        recreate_database(DB_SMALL)
        psql(DB_SMALL, """
            CREATE TABLE customers (id bigint PRIMARY KEY, name text);
            INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 1234) g;
            CREATE TABLE orders (id bigint PRIMARY KEY, customer bigint, total numeric(10,2));
            INSERT INTO orders SELECT g, g % 1234 + 1, g * 1.25 FROM generate_series(1, 5678) g;
            CREATE UNLOGGED TABLE scratch (a int);
        """)
        recreate_database(DB_BIG)
        psql(DB_BIG, f"""
            CREATE TABLE big (id bigint PRIMARY KEY, a int, t text);
            INSERT INTO big SELECT g, g % 1000, md5(g::text) FROM generate_series(1, {BIG_ROWS}) g;
            ANALYZE big;
        """)
        recreate_bucket(BUCKET)
        cls.role = ensure_role()
        cls.key = create_key()

    def start_console_service(self):
        return self.start_service("console", [(CLUSTER_SMALL, DB_SMALL, ""), (CLUSTER_BIG, DB_BIG, "")])

    def test_serves_embedded_files_with_strict_headers(self):
        service = self.start_console_service()
        status, headers, _ = get(service.endpoint + "/console")
        self.assertEqual(status, 301)
        self.assertEqual(headers["Location"], "/console/")

        expected_types = {"/console/": "text/html; charset=utf-8", "/console/app.js": "text/javascript; charset=utf-8",
                          "/console/api.js": "text/javascript; charset=utf-8",
                          "/console/sigv4.js": "text/javascript; charset=utf-8",
                          "/console/console.css": "text/css; charset=utf-8",
                          "/console/config.json": "application/json"}
        for path, content_type in expected_types.items():
            status, headers, body = get(service.endpoint + path)
            self.assertEqual(status, 200, path)
            self.assertEqual(headers["Content-Type"], content_type, path)
            self.assertTrue(headers["Content-Security-Policy"].startswith("default-src 'self';"), path)
            self.assertNotIn("unsafe-inline", headers["Content-Security-Policy"])
            self.assertEqual(headers["X-Content-Type-Options"], "nosniff", path)
            self.assertEqual(headers["X-Frame-Options"], "DENY", path)
            self.assertIn(headers["Cache-Control"], ("no-cache", "no-store"), path)
            self.assertGreater(len(body), 0, path)
        _, _, body = get(service.endpoint + "/console/config.json")
        self.assertEqual(json.loads(body), {"region": REGION})
        status, headers, _ = get(service.endpoint + "/console/nothing-here.js")
        self.assertEqual(status, 404)
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        # Nothing loads from elsewhere: no URL with a scheme in the page.
        _, _, page = get(service.endpoint + "/console/")
        self.assertNotIn(b"http://", page)
        self.assertNotIn(b"https://", page)

    def test_describe_export_task_tables(self):
        service = self.start_console_service()
        tables = {"Action": "DescribeExportTaskTables", "Version": "2014-10-31"}
        status, body = signed_post(service.endpoint, tables)
        self.assertEqual(status, 400, body)
        self.assertIn("<Code>MissingParameter</Code>", body)
        status, body = signed_post(service.endpoint, {**tables, "ExportTaskIdentifier": "nosuch"})
        self.assertEqual(status, 404, body)
        self.assertIn("<Code>ExportTaskNotFound</Code>", body)
        status, body = signed_post(service.endpoint, {**tables, "ExportTaskIdentifier": "nosuch"}, secret="wrong")
        self.assertEqual(status, 403, body)
        self.assertIn("<Code>SignatureDoesNotMatch</Code>", body)

        rds = service.rds()
        rds.start_export_task(**export_args("tables-big", CLUSTER_BIG, BUCKET, self.role, self.key,
                                            S3Prefix="api"))
        status, body = signed_post(service.endpoint, {**tables, "ExportTaskIdentifier": "tables-big"})
        self.assertEqual(status, 404, body)
        self.assertIn("<Code>ExportTaskTablesUnavailable</Code>", body)
        self.assertIn("No per-table manifests (export_tables_info_*.json) of export task tables-big are at "
                      f"s3://{BUCKET}/api/tables-big/ yet.", body)
        rds.cancel_export_task(ExportTaskIdentifier="tables-big")

        rds.start_export_task(**export_args("tables-shop", CLUSTER_SMALL, BUCKET, self.role, self.key,
                                            S3Prefix="api"))
        deadline = time.time() + 60
        while rds.describe_export_tasks(ExportTaskIdentifier="tables-shop")["ExportTasks"][0]["Status"] != "COMPLETE":
            self.assertLess(time.time(), deadline, service.log())
            time.sleep(0.5)
        status, body = signed_post(service.endpoint, {**tables, "ExportTaskIdentifier": "tables-shop"})
        self.assertEqual(status, 200, body)
        self.assertIn(f"<S3Location>s3://{BUCKET}/api/tables-shop/</S3Location>", body)
        self.assertIn(f"<Target>{DB_SMALL}.public.customers</Target><Status>COMPLETE</Status>"
                      "<NumberOfRows>1234</NumberOfRows><NumberOfFiles>1</NumberOfFiles>", body)
        self.assertIn(f"<Target>{DB_SMALL}.public.orders</Target><Status>COMPLETE</Status>"
                      "<NumberOfRows>5678</NumberOfRows>", body)
        self.assertIn(f"<Target>{DB_SMALL}.public.scratch</Target><Status>SKIPPED</Status>"
                      "<Reason>UNLOGGED_TABLE", body)

    def run_console(self, service, settings):
        """Runs console_e2e.mjs with `settings` (plus the common ones); fails with its output and the service log."""
        settings = {"url": service.endpoint + "/console",
                    "chromium": os.environ.get("DBX_CHROMIUM", "/usr/bin/chromium"),
                    "accessKeyId": ADMIN_KEY, "secretAccessKey": ADMIN_SECRET, "screenshots": "", **settings}
        tool = os.path.join(env("DBX_SOURCE_DIR"), "tests", "tools", "console_e2e.mjs")
        r = subprocess.run(["node", tool], input=json.dumps(settings), capture_output=True, text=True, timeout=240)
        if r.returncode != 0:
            self.fail(f"console_e2e.mjs failed (exit {r.returncode}):\n{r.stdout}\n{r.stderr}\n"
                      f"--- service log ---\n{service.log()[-4000:]}")
        print(r.stdout)

    def test_console_pages_through_many_tasks(self):
        # More tasks than one DescribeExportTasks page (100) and than one
        # console page (50): exports to a missing bucket, which fail at once.
        service = self.start_console_service()
        rds = service.rds()
        count = 130
        for i in range(count):
            args = export_args(f"page-{i:03d}", CLUSTER_SMALL, MISSING_BUCKET, self.role, self.key)
            deadline = time.time() + 30
            while True:
                try:
                    rds.start_export_task(**args)
                    break
                except rds.exceptions.InvalidExportSourceStateFault:
                    # At most five run at once; these fail within milliseconds.
                    self.assertLess(time.time(), deadline, service.log()[-2000:])
                    time.sleep(0.05)
        self.run_console(service, {"mode": "paging", "taskCount": count, "newest": f"page-{count - 1:03d}",
                                   "oldest": "page-000"})

    def test_console_in_chromium(self):
        service = self.start_console_service()
        expected_rows = {}
        for table in ("customers", "orders"):
            count = int(psql(DB_SMALL, f"SELECT count(*) FROM {table};").strip())
            expected_rows[f"{DB_SMALL}.public.{table}"] = count
        source_dir = env("DBX_SOURCE_DIR")
        screenshots = os.path.join(source_dir, "docs", "console") if os.environ.get("DBX_CONSOLE_SCREENSHOTS") else ""
        self.run_console(service, {
            "roleArn": self.role, "kmsKeyId": self.key,
            "bucket": BUCKET, "missingBucket": MISSING_BUCKET,
            "cluster": arn(CLUSTER_SMALL), "bigCluster": arn(CLUSTER_BIG),
            "expectedRows": expected_rows, "skippedTable": f"{DB_SMALL}.public.scratch",
            "screenshots": screenshots,
        })

        # What the browser did, as the API sees it.
        rds = service.rds()
        status = {t["ExportTaskIdentifier"]: t["Status"] for t in rds.describe_export_tasks()["ExportTasks"]}
        self.assertEqual(status.get("console-shop"), "COMPLETE")
        self.assertEqual(status.get("console-big"), "CANCELED")
        self.assertEqual(status.get("console-missing"), "FAILED")
        self.assertNotIn("console-bad-bucket", status)


if __name__ == "__main__":
    unittest.main()
