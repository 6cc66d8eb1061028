"""A cluster's max_rate and max_connections reach its export tasks: the task
opens no more source connections than max_connections (sampled from
pg_stat_activity while it runs, with parallelism set higher), takes at least
as long as max_rate allows, and still exports every row (DuckDB reads the
files back)."""

import subprocess
import tempfile
import threading
import time
import unittest

from service_harness import (ServiceTestCase, create_key, download, duckdb, ensure_role, export_args, pg_url, psql,
                             recreate_bucket, recreate_database)

BUCKET = "svctest-throttle"
DB = "svctest_throttle"
ROWS = 100_000
RATE = 1 << 20  # bytes per second


class ThrottleTest(ServiceTestCase):
    @classmethod
    def setUpClass(cls):
        recreate_database(DB)
        psql(DB, f"""
            CREATE TABLE t (id bigint PRIMARY KEY, a text);
            INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, {ROWS}) g;
            ANALYZE t;
        """)
        recreate_bucket(BUCKET)
        cls.role = ensure_role()
        cls.key = create_key()

    def test_cluster_limits_apply_to_its_tasks(self):
        # What the export reads: the binary COPY of the table.
        copy = subprocess.run(["psql", pg_url(DB), "-X", "-q", "-c", "COPY t TO STDOUT (FORMAT binary)"],
                              capture_output=True, check=True)
        source_bytes = len(copy.stdout)
        self.assertGreater(source_bytes, 4_000_000)
        service = self.start_service("throttle", [("slow", DB, f'parallelism = 4\nmax_rate = {RATE}\n'
                                                               'max_connections = 2')])
        peak = [0]
        samples = [0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                n = int(psql(None, f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{DB}' "
                                   "AND backend_type = 'client backend'").strip())
                peak[0] = max(peak[0], n)
                samples[0] += 1
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            started = time.monotonic()
            service.rds().start_export_task(**export_args("slow-1", "slow", BUCKET, self.role, self.key))
            task = service.wait_status("slow-1", {"COMPLETE", "FAILED"}, timeout=120)
            took = time.monotonic() - started
        finally:
            stop.set()
            sampler.join()
        self.assertEqual(task["Status"], "COMPLETE", task.get("FailureCause"))
        self.assertGreaterEqual(samples[0], 5)
        # The snapshot's connection and one reader, although parallelism is 4.
        self.assertEqual(peak[0], 2)
        burst = max(64 << 10, RATE // 4)
        self.assertGreaterEqual(took, (source_bytes - burst) / RATE, f"{source_bytes} bytes in {took:.1f} s")
        with tempfile.TemporaryDirectory() as tmp:
            download(BUCKET, "slow-1/", tmp)
            got = duckdb([f"SELECT count(*), sum(id), count(DISTINCT a) FROM "
                          f"read_parquet('{tmp}/slow-1/{DB}/public.t/**/*.parquet')"])[0]["rows"]
            self.assertEqual(got, [[str(ROWS), str(ROWS * (ROWS + 1) // 2), str(ROWS)]])


if __name__ == "__main__":
    unittest.main()
