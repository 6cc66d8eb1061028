"""Exports through the service, end to end: the Parquet files and manifests
in the (moto) bucket read back and compared with PostgreSQL value by value,
cancel, five exports at once with a sixth refused, and the webhook."""

import concurrent.futures
import datetime
import json
import os
import tempfile
import time
import unittest

from service_harness import (ACCOUNT, ServiceTestCase, WebhookReceiver, create_key, download, duckdb, ensure_role,
                             env, export_args, get_json, list_keys, mysql, open_uploads, psql, recreate_bucket,
                             recreate_database)

BUCKET = "svctest-export"
DB_TYPES = "svctest_types"
DB_BIG = "svctest_big"
DB_MID = "svctest_mid"
BIG_ROWS = 2_000_000
MID_ROWS = 300_000
# The session settings the exporter uses, so that PostgreSQL's text forms match.
PG_SETTINGS = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET extra_float_digits = 1;\n"


def arn(cluster):
    return f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:{cluster}"


class ExportTest(ServiceTestCase):
    @classmethod
    def setUpClass(cls):
        recreate_database(DB_TYPES)
        psql(DB_TYPES, """
            CREATE TABLE items (
              id bigint PRIMARY KEY, small smallint, num integer, price numeric(12,3), ratio double precision,
              real_v real, flag boolean, name text, created timestamptz, day date, tags text[], payload jsonb,
              raw bytea, uid uuid);
            INSERT INTO items
              SELECT g, (g % 30000)::smallint, g * 7, g * 1.125, g / 8.0, (g % 100) / 4.0, g % 3 = 0,
                     'näme ' || g || ' ✓', timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute 1.5 second',
                     date '2020-02-29' + g, ARRAY['a' || g, 'b'], jsonb_build_object('k', g, 'v', 'x'),
                     decode(lpad(to_hex(g), 8, '0'), 'hex'), md5(g::text)::uuid
              FROM generate_series(1, 20000) g;
            UPDATE items SET small = NULL, num = NULL, price = NULL, ratio = NULL, real_v = NULL, flag = NULL,
                             name = NULL, created = NULL, day = NULL, tags = NULL, payload = NULL, raw = NULL,
                             uid = NULL
              WHERE id % 7 = 0;
            CREATE TABLE nokey (a int, b text);
            INSERT INTO nokey SELECT g, 'row ' || g FROM generate_series(1, 5000) g;
        """)
        recreate_database(DB_BIG)
        psql(DB_BIG, f"""
            CREATE TABLE big (id bigint PRIMARY KEY, a int, b double precision, t text);
            INSERT INTO big SELECT g, g % 1000, g * 0.5, md5(g::text) FROM generate_series(1, {BIG_ROWS}) g;
            ANALYZE big;
        """)
        recreate_database(DB_MID)
        psql(DB_MID, f"""
            CREATE TABLE mid (id bigint PRIMARY KEY, t text);
            INSERT INTO mid SELECT g, md5(g::text) FROM generate_series(1, {MID_ROWS}) g;
            ANALYZE mid;
        """)
        recreate_bucket(BUCKET)
        cls.role = ensure_role()
        cls.key = create_key()

    def start_args(self, task_id, cluster, **extra):
        return export_args(task_id, cluster, BUCKET, self.role, self.key, **extra)

    def test_export_through_the_api_matches_postgres(self):
        service = self.start_service("types", [("types", DB_TYPES, "parallelism = 2")])
        rds = service.rds()
        started = rds.start_export_task(**self.start_args("types-1", "types", S3Prefix="lake/pg"))
        self.assertEqual(started["Status"], "STARTING")
        task = service.wait_status("types-1", {"COMPLETE", "FAILED"})
        self.assertEqual(task["Status"], "COMPLETE", task.get("FailureCause"))

        base = "lake/pg/types-1/"
        info = get_json(BUCKET, base + "export_info_types-1.json")
        self.assertEqual(info["exportTaskIdentifier"], "types-1")
        self.assertEqual(info["sourceArn"], arn("types"))
        self.assertEqual(info["s3Bucket"], BUCKET)
        self.assertEqual(info["s3Prefix"], "lake/pg")
        self.assertEqual(info["iamRoleArn"], self.role)
        self.assertEqual(info["kmsKeyId"], self.key)
        self.assertEqual(info["status"], "COMPLETE")
        self.assertEqual(info["percentProgress"], 100)
        self.assertEqual(info["exportOnly"], [])
        snapshot = task["SnapshotTime"].astimezone(datetime.timezone.utc)
        self.assertEqual(info["snapshotTime"], snapshot.strftime("%Y-%m-%dT%H:%M:%S.") + f"{snapshot.microsecond // 1000:03d}Z")
        tables_key = base + "export_tables_info_types-1_from_1_to_2.json"
        self.assertIn(tables_key, list_keys(BUCKET, base))
        tables = {t["target"]: t for t in get_json(BUCKET, tables_key)["perTableStatus"]}
        self.assertEqual(set(tables), {f"{DB_TYPES}.public.items", f"{DB_TYPES}.public.nokey"})
        for target, count in ((f"{DB_TYPES}.public.items", 20000), (f"{DB_TYPES}.public.nokey", 5000)):
            self.assertEqual(tables[target]["status"], "COMPLETE")
            self.assertEqual(tables[target]["tableStatistics"]["numberOfRows"], count)

        with tempfile.TemporaryDirectory() as tmp:
            download(BUCKET, base, tmp)
            items_dir = os.path.join(tmp, base, DB_TYPES, "public.items")
            parquet = [os.path.join(d, f) for d, _, files in os.walk(items_dir) for f in files]
            self.assertTrue(parquet and all(f.endswith("-c000.gz.parquet") for f in parquet), parquet)
            exported = duckdb([f"""
                SELECT id, small, num, price, ratio, real_v, flag, name, created, day, tags, payload, hex(raw), uid
                FROM read_parquet('{items_dir}/**/*.parquet') ORDER BY id"""])[0]
            self.assertEqual(exported["types"][:4], ["BIGINT", "SMALLINT", "INTEGER", "VARCHAR"])
            expected = json.loads(psql(DB_TYPES, PG_SETTINGS + """
                SELECT json_agg(json_build_array(id::text, small::text, num::text, price::text, ratio::text,
                                                 real_v::text,
                                                 CASE WHEN flag THEN 'true' WHEN NOT flag THEN 'false' END,
                                                 name, created::text, day::text, tags::text, payload::text,
                                                 upper(encode(raw, 'hex')), uid::text) ORDER BY id)
                FROM items;"""))
            self.assertEqual(len(exported["rows"]), 20000)
            # DuckDB and PostgreSQL spell some floats differently ("1.0" / "1"):
            # the two float columns are compared as numbers, everything else as text.
            float_columns = (4, 5)
            for got, want in zip(exported["rows"], expected):
                for i in float_columns:
                    if got[i] is not None and want[i] is not None:
                        self.assertEqual(float(got[i]), float(want[i]), (got, want))
                        got[i] = want[i]
                self.assertEqual(got, want)
            nokey_dir = os.path.join(tmp, base, DB_TYPES, "public.nokey")
            nokey = duckdb([f"SELECT count(*), sum(a), min(b), max(b) FROM read_parquet('{nokey_dir}/**/*.parquet')"])
            self.assertEqual(nokey[0]["rows"], [["5000", "12502500", "row 1", "row 999"]])

    def test_mysql_cluster_exports_through_the_aws_cli(self):
        mysql("""
            DROP DATABASE IF EXISTS svc_shop; CREATE DATABASE svc_shop CHARACTER SET utf8mb4; USE svc_shop;
            CREATE TABLE orders (id int PRIMARY KEY, amount decimal(10,2), placed datetime(3), note varchar(20));
            INSERT INTO orders SELECT seq, seq * 1.25, '2024-01-01 00:00:00' + INTERVAL seq SECOND,
                                      CONCAT('n', seq) FROM seq_1_to_30000;
            CREATE TABLE tags (name varchar(10));
            INSERT INTO tags VALUES ('a'), ('b');
        """)
        source = env("DBX_TEST_MYSQL_URL") + "/svc_shop"
        service = self.start_service("mysql", [("shopm", source, 'consistency = "lock"\nparallelism = 2')])
        code, clusters, err = service.cli("describe-db-clusters", "--db-cluster-identifier", "shopm")
        self.assertEqual(code, 0, err)
        self.assertEqual(clusters["DBClusters"][0]["Engine"], "aurora-mysql")
        code, started, err = service.cli("start-export-task", "--export-task-identifier", "mysql-1",
                                         "--source-arn", arn("shopm"), "--s3-bucket-name", BUCKET,
                                         "--s3-prefix", "lake/my", "--iam-role-arn", self.role,
                                         "--kms-key-id", self.key)
        self.assertEqual(code, 0, err)
        self.assertEqual(started["Status"], "STARTING")
        task = service.wait_status("mysql-1", {"COMPLETE", "FAILED"})
        self.assertEqual(task["Status"], "COMPLETE", task.get("FailureCause"))

        base = "lake/my/mysql-1/"
        tables = {t["target"]: t for t in
                  get_json(BUCKET, base + "export_tables_info_mysql-1_from_1_to_2.json")["perTableStatus"]}
        self.assertEqual(set(tables), {"svc_shop.orders", "svc_shop.tags"})
        self.assertEqual(tables["svc_shop.orders"]["tableStatistics"]["numberOfRows"], 30000)
        with tempfile.TemporaryDirectory() as tmp:
            download(BUCKET, base, tmp)
            orders_dir = os.path.join(tmp, base, "svc_shop", "svc_shop.orders")
            exported = duckdb([f"""
                SELECT count(*), sum(amount)::VARCHAR, max(placed)::VARCHAR, count(DISTINCT note)
                FROM read_parquet('{orders_dir}/**/*.parquet')"""])[0]
            want = mysql("SELECT COUNT(*), SUM(amount), MAX(placed), COUNT(DISTINCT note) FROM svc_shop.orders")
            count, total, latest, notes = want.strip().split("\t")
            self.assertEqual(exported["rows"], [[count, total, latest.rstrip("0").rstrip("."), notes]])

    def test_cancel_stops_the_export_and_ends_canceled(self):
        service = self.start_service("cancel", [("big", DB_BIG, "parallelism = 1")])
        service.rds().start_export_task(**self.start_args("cancel-1", "big", S3Prefix="cancel"))
        service.wait_for("cancel-1", lambda t: t["Status"] == "IN_PROGRESS", what="IN_PROGRESS")
        code, canceling, err = service.cli("cancel-export-task", "--export-task-identifier", "cancel-1")
        self.assertEqual(code, 0, err)
        self.assertEqual(canceling["Status"], "CANCELING")
        self.assertEqual(canceling["ExportTaskIdentifier"], "cancel-1")
        asked = time.time()
        task = service.wait_status("cancel-1", {"CANCELED", "COMPLETE", "FAILED"}, timeout=30)
        self.assertEqual(task["Status"], "CANCELED")
        self.assertLess(time.time() - asked, 10)
        self.assertIn("TaskEndTime", task)
        self.assertNotIn("FailureCause", task)
        # No upload left open; nothing claims to be complete; what was written stays and is whole.
        self.assertEqual(open_uploads(BUCKET, "cancel/cancel-1/"), [])
        keys = list_keys(BUCKET, "cancel/cancel-1/")
        info_key = "cancel/cancel-1/export_info_cancel-1.json"
        if info_key in keys:
            self.assertNotEqual(get_json(BUCKET, info_key)["status"], "COMPLETE")
        parquet = [k for k in keys if k.endswith(".parquet")]
        if parquet:
            with tempfile.TemporaryDirectory() as tmp:
                download(BUCKET, "cancel/cancel-1/", tmp)
                for key in parquet:
                    rows = duckdb([f"SELECT count(*) FROM read_parquet('{os.path.join(tmp, key)}')"])[0]["rows"]
                    self.assertGreater(int(rows[0][0]), 0)
        code, _, err = service.cli("cancel-export-task", "--export-task-identifier", "cancel-1")
        self.assertEqual(code, 255)
        self.assertIn("(InvalidExportTaskStateFault)", err)

    def test_five_exports_at_once_all_complete_and_a_sixth_is_refused(self):
        clusters = [(f"c{i}", DB_MID, "parallelism = 1") for i in range(1, 7)]
        service = self.start_service("five", clusters)
        rds = service.rds()
        with concurrent.futures.ThreadPoolExecutor(5) as pool:
            started = list(pool.map(lambda i: rds.start_export_task(**self.start_args(f"five-{i}", f"c{i}")),
                                    range(1, 6)))
        self.assertEqual([s["Status"] for s in started], ["STARTING"] * 5)
        with self.assertRaises(rds.exceptions.InvalidExportSourceStateFault) as ctx:
            rds.start_export_task(**self.start_args("five-6", "c6"))
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertRegex(ctx.exception.response["Error"]["Message"],
                         r"^You have reached the maximum number of concurrent export tasks \(5\) for account "
                         rf"{ACCOUNT}: five-\d, five-\d, five-\d, five-\d, five-\d\. Wait for one to finish or cancel "
                         r"one, then retry\.$")
        for i in range(1, 6):
            task = service.wait_status(f"five-{i}", {"COMPLETE", "FAILED"}, timeout=300)
            self.assertEqual(task["Status"], "COMPLETE", task.get("FailureCause"))
            tables = get_json(BUCKET, f"five-{i}/export_tables_info_five-{i}_from_1_to_1.json")["perTableStatus"]
            self.assertEqual(tables[0]["tableStatistics"]["numberOfRows"], MID_ROWS)
        with tempfile.TemporaryDirectory() as tmp:
            download(BUCKET, "five-3/", tmp)
            rows = duckdb([f"SELECT count(*), count(DISTINCT id) FROM read_parquet('{tmp}/five-3/**/*.parquet')"])
            self.assertEqual(rows[0]["rows"], [[str(MID_ROWS), str(MID_ROWS)]])
        # With the five done, the sixth may start.
        rds.start_export_task(**self.start_args("five-6", "c6"))
        self.assertEqual(service.wait_status("five-6", {"COMPLETE", "FAILED"}, timeout=300)["Status"], "COMPLETE")

    def test_webhook_sees_every_transition(self):
        receiver = WebhookReceiver(fail_first=2)
        self.addCleanup(receiver.close)
        service = self.start_service("webhook", [("types", DB_TYPES, ""), ("big", DB_BIG, "parallelism = 1")],
                                     webhook_url=receiver.url)
        rds = service.rds()
        rds.start_export_task(**self.start_args("hook-ok", "types", S3Prefix="hooks"))
        service.wait_status("hook-ok", "COMPLETE")
        rds.start_export_task(**self.start_args("hook-fail", "types", S3BucketName="svctest-no-such-bucket"))
        service.wait_status("hook-fail", "FAILED")
        rds.start_export_task(**self.start_args("hook-cancel", "big", S3Prefix="hooks"))
        service.wait_status("hook-cancel", "IN_PROGRESS")
        rds.cancel_export_task(ExportTaskIdentifier="hook-cancel")
        service.wait_status("hook-cancel", "CANCELED", timeout=30)

        expected = {
            "hook-ok": [(None, "STARTING"), ("STARTING", "IN_PROGRESS"), ("IN_PROGRESS", "COMPLETE")],
            "hook-fail": [(None, "STARTING"), ("STARTING", "FAILED")],
            "hook-cancel": [(None, "STARTING"), ("STARTING", "IN_PROGRESS"), ("IN_PROGRESS", "CANCELING"),
                            ("CANCELING", "CANCELED")],
        }
        deadline = time.time() + 60
        while time.time() < deadline:
            if all(len(receiver.for_task(t)) >= len(v) for t, v in expected.items()):
                break
            time.sleep(0.2)
        for task_id, transitions in expected.items():
            events = receiver.for_task(task_id)
            self.assertEqual([(e["oldStatus"], e["newStatus"]) for e in events], transitions, task_id)
            for e in events:
                self.assertEqual(e["eventType"], "ExportTaskStatusChange")
                self.assertEqual(e["sourceArn"], arn("big" if task_id == "hook-cancel" else "types"))
                self.assertRegex(e["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        failed = receiver.for_task("hook-fail")[-1]
        self.assertEqual(failed["failureCause"],
                         "The S3 bucket svctest-no-such-bucket isn't valid. Either it isn't located in the current "
                         "AWS Region or it doesn't exist. Review your S3 bucket name and retry the export.")
        self.assertEqual(receiver.for_task("hook-ok")[-1]["percentProgress"], 100)
        self.assertIsNone(receiver.for_task("hook-ok")[-1]["failureCause"])
        # The first two deliveries were refused with 500 and retried.
        self.assertEqual(receiver.attempts, sum(len(v) for v in expected.values()) + 2)


if __name__ == "__main__":
    unittest.main()
