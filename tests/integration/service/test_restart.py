"""Durability: the task store survives kill -9 and restarts of `serve`. A
task that was running is finished honestly (FAILED, saying the service
stopped, its partial output never presented as complete) or, with
resume = "restart", exported again from a fresh snapshot."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from service_harness import (MOTO_ENV, Service, ServiceTestCase, create_key, download, duckdb,
                             ensure_role, env, export_args, get_json, list_keys, open_uploads, psql,
                             recreate_bucket, recreate_database)

BUCKET = "svctest-restart"
DB_SMALL = "svctest_restart_small"
DB_BIG = "svctest_restart_big"
BIG_ROWS = 2_000_000



def cli_open_uploads(bucket, prefix):
    """The keys of the multipart uploads open under prefix, as `aws s3api list-multipart-uploads` sees them."""
    r = subprocess.run(["aws", "s3api", "list-multipart-uploads", "--bucket", bucket, "--prefix", prefix,
                        "--endpoint-url", env("DBX_TEST_S3_ENDPOINT"), "--output", "json"],
                       capture_output=True, text=True,
                       env=dict(os.environ, AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                                **MOTO_ENV))
    if r.returncode != 0:
        raise AssertionError(f"aws s3api list-multipart-uploads failed: {r.stderr}")
    return sorted(u["Key"] for u in (json.loads(r.stdout) if r.stdout.strip() else {}).get("Uploads", []))


def wait_for_open_upload(service, bucket, prefix, timeout=120):
    """Waits until an upload is open under prefix (a Parquet file past its first part), so that a kill -9
    leaves one behind."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        uploads = open_uploads(bucket, prefix)
        if uploads:
            return uploads
        time.sleep(0.05)
    raise AssertionError(f"no multipart upload opened under s3://{bucket}/{prefix} in {timeout}s\n{service.log()}")


class RestartTest(ServiceTestCase):
    @classmethod
    def setUpClass(cls):
        recreate_database(DB_SMALL)
        psql(DB_SMALL, "CREATE TABLE s (id int PRIMARY KEY, v text); "
                       "INSERT INTO s SELECT g, 'v' || g FROM generate_series(1, 100) g;")
        recreate_bucket(BUCKET)
        cls.role = ensure_role()
        cls.key = create_key()

    @staticmethod
    def load_big():
        """A fresh 2-million-row table: several seconds of export at parallelism 1."""
        recreate_database(DB_BIG)
        psql(DB_BIG, f"""
            CREATE TABLE big (id bigint PRIMARY KEY, a int, t text);
            INSERT INTO big SELECT g, g % 1000, md5(g::text) FROM generate_series(1, {BIG_ROWS}) g;
            ANALYZE big;
        """)

    def start_args(self, task_id, cluster, **extra):
        return export_args(task_id, cluster, BUCKET, self.role, self.key, **extra)

    def clusters(self):
        return [("small", DB_SMALL, ""), ("big", DB_BIG, "parallelism = 1")]

    def test_a_second_service_on_the_same_state_dir_is_refused(self):
        first = self.start_service("lock", self.clusters())
        second = Service("lock-second", self.clusters(), state_dir=first.state_dir)
        self.addCleanup(shutil.rmtree, second.dir, True)
        with self.assertRaises(AssertionError):
            second.start()
        self.assertEqual(second.process.returncode, 1)
        self.assertIn(f"dbexport serve: state directory {first.state_dir} is in use by another dbexport serve "
                      f"process (lock file {first.state_dir}/dbexport.lock)", second.log())

    def test_a_bad_configuration_is_refused_at_start(self):
        bad = Service("badconfig", [("shop", DB_SMALL, "paralelism = 3")])
        self.addCleanup(shutil.rmtree, bad.dir, True)
        with self.assertRaises(AssertionError):
            bad.start()
        self.assertEqual(bad.process.returncode, 2)
        config = os.path.join(bad.dir, "dbexport.toml")
        self.assertRegex(bad.log(), rf"ERROR dbexport serve: {config}:\d+:1: unknown key 'paralelism' in "
                                    r"\[\[clusters\]\] \(allowed: consistency, engine, lock_wait_timeout, max_connections, "
                                    r"max_rate, max_table_locks, name, parallelism, password_env, source, "
                                    r"type_mapping, verify_counts\)")
        self.assertNotIn("admin-secret", bad.log())

    def test_kill9_mid_export_then_restart_fails_the_task(self):
        self.load_big()
        first = self.start_service("kill9", self.clusters())
        rds = first.rds()
        rds.start_export_task(**self.start_args("before-kill", "small", S3Prefix="k9"))
        before = first.wait_status("before-kill", "COMPLETE")
        rds.start_export_task(**self.start_args("victim", "big", S3Prefix="k9"))
        running = first.wait_for("victim", lambda t: t["Status"] == "IN_PROGRESS" and t["PercentProgress"] > 0,
                                 what="IN_PROGRESS with progress")
        wait_for_open_upload(first, BUCKET, "k9/victim/")
        first.kill9()
        left_open = cli_open_uploads(BUCKET, "k9/victim/")
        self.assertGreater(len(left_open), 0)

        second = self.start_service("kill9-again", self.clusters(), state_dir=first.state_dir)
        tasks = {t["ExportTaskIdentifier"]: t for t in second.rds().describe_export_tasks()["ExportTasks"]}
        self.assertEqual(set(tasks), {"before-kill", "victim"})
        self.assertEqual(tasks["before-kill"], before)
        victim = tasks["victim"]
        self.assertEqual(victim["Status"], "FAILED")
        self.assertRegex(victim["FailureCause"],
                         r"^The export service stopped while the task was IN_PROGRESS \(\d+% done\)\. The files "
                         rf"written so far were left in s3://{BUCKET}/k9/victim/ and are incomplete\. Start a new "
                         r"export task\.$")
        self.assertIn("TaskEndTime", victim)
        self.assertEqual(victim["SnapshotTime"], running["SnapshotTime"])
        # The partial output is never presented as complete.
        keys = list_keys(BUCKET, "k9/victim/")
        self.assertNotIn("k9/victim/export_info_victim.json", keys)
        # The uploads the killed process left open were aborted before the task was failed.
        self.assertEqual(cli_open_uploads(BUCKET, "k9/victim/"), [])
        log = second.log()
        self.assertLess(log.index(f"recovering task victim: discarded {len(left_open)} incomplete upload(s) in "
                                  f"s3://{BUCKET}/k9/victim/"),
                        log.index("recovering task victim: IN_PROGRESS -> FAILED"))
        # The service works on after the restart, and the identifier stays taken.
        rds = second.rds()
        with self.assertRaises(rds.exceptions.ExportTaskAlreadyExistsFault):
            rds.start_export_task(**self.start_args("victim", "big"))
        second.rds().start_export_task(**self.start_args("after-kill", "small", S3Prefix="k9"))
        self.assertEqual(second.wait_status("after-kill", {"COMPLETE", "FAILED"})["Status"], "COMPLETE")
        self.assertIn("recovering task victim: IN_PROGRESS -> FAILED", second.log())

    def test_sigterm_mid_export_fails_the_task_and_aborts_its_uploads(self):
        self.load_big()
        service = self.start_service("sigterm", self.clusters())
        service.rds().start_export_task(**self.start_args("stopped", "big", S3Prefix="term"))
        service.wait_for("stopped", lambda t: t["Status"] == "IN_PROGRESS" and t["PercentProgress"] > 0,
                         what="IN_PROGRESS with progress")
        began = time.time()
        self.assertEqual(service.stop(), 0)
        self.assertLess(time.time() - began, 20)
        self.assertEqual(open_uploads(BUCKET, "term/stopped/"), [])
        again = self.start_service("sigterm-again", self.clusters(), state_dir=service.state_dir)
        task = again.task("stopped")
        self.assertEqual(task["Status"], "FAILED")
        self.assertRegex(task["FailureCause"], r"^The export service stopped while the task was IN_PROGRESS")
        # The engine's manifest records the interruption; it never says COMPLETE.
        info_key = "term/stopped/export_info_stopped.json"
        if info_key in list_keys(BUCKET, "term/stopped/"):
            self.assertEqual(get_json(BUCKET, info_key)["status"], "CANCELED")

    def test_kill9_then_resume_restart_exports_again_from_a_fresh_snapshot(self):
        self.load_big()
        extra = 'resume = "restart"'
        first = self.start_service("resume", self.clusters(), extra=extra)
        first.rds().start_export_task(**self.start_args("resumed", "big", S3Prefix="rs"))
        # Past the first of the two chunks, so that the interrupted attempt left files behind.
        first.wait_for("resumed", lambda t: t["Status"] == "IN_PROGRESS" and t["PercentProgress"] >= 50,
                       what="half done")
        wait_for_open_upload(first, BUCKET, "rs/resumed/")
        first.kill9()
        self.assertGreater(len(cli_open_uploads(BUCKET, "rs/resumed/")), 0)
        left_behind = [k for k in list_keys(BUCKET, "rs/resumed/") if k.endswith(".parquet")]
        # The data changes while the service is down: the new attempt must see it.
        psql(DB_BIG, "INSERT INTO big SELECT g, 0, 'late' FROM generate_series(3000001, 3000500) g;")

        second = self.start_service("resume-again", self.clusters(), extra=extra, state_dir=first.state_dir)
        task = second.wait_status("resumed", {"COMPLETE", "FAILED"}, timeout=300)
        self.assertEqual(task["Status"], "COMPLETE", task.get("FailureCause"))
        self.assertIn("recovering task resumed: IN_PROGRESS -> STARTING", second.log())
        self.assertRegex(second.log(), r"recovering task resumed: discarded [1-9]\d* incomplete upload\(s\) in "
                                       rf"s3://{BUCKET}/rs/resumed/")
        self.assertEqual(cli_open_uploads(BUCKET, "rs/resumed/"), [])
        total = BIG_ROWS + 500
        tables = get_json(BUCKET, "rs/resumed/export_tables_info_resumed_from_1_to_1.json")["perTableStatus"]
        self.assertEqual(tables[0]["tableStatistics"]["numberOfRows"], total)
        self.assertEqual(get_json(BUCKET, "rs/resumed/export_info_resumed.json")["status"], "COMPLETE")
        keys = list_keys(BUCKET, "rs/resumed/")
        for key in left_behind:
            self.assertNotIn(key, keys)
        with tempfile.TemporaryDirectory() as tmp:
            download(BUCKET, "rs/resumed/", tmp)
            rows = duckdb([f"SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE t = 'late') "
                           f"FROM read_parquet('{tmp}/rs/resumed/**/*.parquet')"])
            self.assertEqual(rows[0]["rows"], [[str(total), str(total), "500"]])


if __name__ == "__main__":
    unittest.main()
