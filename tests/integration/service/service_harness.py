"""What the service integration tests share: the servers the test command
started (PostgreSQL, moto_server), a `serve` process of our own on a free
port with a temporary state directory, clients (boto3 and the `aws` CLI)
pointed at it, and readers for what an export wrote (S3 objects downloaded
from moto, Parquet read back by DuckDB through tests/tools/duckdb_query.mjs).

Environment (set by scripts/test and tests.cmake; a missing one fails the
test, never skips it):
  DBX_TEST_PG_URL        postgresql://postgres@127.0.0.1:55432/postgres
  DBX_TEST_S3_ENDPOINT   http://127.0.0.1:55391 (moto: S3, STS, KMS, IAM)
  DBX_SERVE_BIN          the serve command, run as `$DBX_SERVE_BIN --config FILE`
                         (".../dbexport serve")
  DBX_SOURCE_DIR         the source tree (for tests/tools)
"""

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.config

REGION = "us-east-1"
ACCOUNT = "123456789012"
ADMIN_KEY = "AKIAEXPORTADMIN"
ADMIN_SECRET = "admin-secret-for-tests"
# Credentials the service itself uses for S3/STS/KMS (moto accepts any).
MOTO_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
ROLE_NAME = "svctest-export-role"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
TERMINAL = {"COMPLETE", "FAILED", "CANCELED"}


def env(name):
    value = os.environ.get(name)
    if not value:
        raise AssertionError(f"{name} is not set: run the tests through scripts/test (ctest sets it)")
    return value


def pg_url(database=None):
    url = env("DBX_TEST_PG_URL")
    if database is None:
        return url
    return url.rsplit("/", 1)[0] + "/" + database


def mysql(sql):
    """Runs SQL on the test MariaDB (DBX_TEST_MYSQL_URL) through the mariadb client; returns its output."""
    hostport = env("DBX_TEST_MYSQL_URL").split("@", 1)[1]
    host, port = hostport.split(":")
    r = subprocess.run(["mariadb", "--no-defaults", "--default-character-set=utf8mb4", "-h", host, "-P", port,
                        "-uroot", "--batch", "--skip-column-names"], input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"mariadb: {r.stderr}")
    return r.stdout


def psql(database, sql):
    """Runs SQL (ON_ERROR_STOP) and returns the unaligned, tuples-only output."""
    r = subprocess.run(["psql", pg_url(database), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t", "-F", "|",
                        "-f", "-"], input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"psql failed: {r.stderr}")
    return r.stdout


def recreate_database(name):
    psql(None, f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")
    psql(None, f"CREATE DATABASE {name};")


def duckdb(statements):
    """Runs SQL in DuckDB; returns [{columns, types, rows}] with text values."""
    tool = os.path.join(env("DBX_SOURCE_DIR"), "tests", "tools", "duckdb_query.mjs")
    r = subprocess.run(["node", tool], input=json.dumps(statements), capture_output=True, text=True)
    out = json.loads(r.stdout) if r.stdout else None
    if r.returncode != 0 or out is None:
        raise AssertionError(f"DuckDB failed: {r.stdout} {r.stderr}")
    return out


def moto_client(service, region=REGION):
    return boto3.client(service, endpoint_url=env("DBX_TEST_S3_ENDPOINT"), region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def ensure_role():
    iam = moto_client("iam")
    try:
        iam.get_role(RoleName=ROLE_NAME)
    except iam.exceptions.NoSuchEntityException:
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "export.rds.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]}))
    return ROLE_ARN


def create_key():
    return moto_client("kms").create_key(Description="svctest export key")["KeyMetadata"]["KeyId"]


def recreate_bucket(name):
    s3 = moto_client("s3")
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=name, Key=obj["Key"])
        for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
            s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    except s3.exceptions.NoSuchBucket:
        s3.create_bucket(Bucket=name)
    except Exception as e:  # moto raises a generic ClientError for a missing bucket on some calls
        if "NoSuchBucket" not in str(e):
            raise
        s3.create_bucket(Bucket=name)
    return name


def list_keys(bucket, prefix):
    s3 = moto_client("s3")
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(obj["Key"] for obj in page.get("Contents", []))
    return sorted(keys)


def open_uploads(bucket, prefix):
    s3 = moto_client("s3")
    return [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", [])]


def download(bucket, prefix, into):
    """Copies every object under prefix into the directory `into` (same layout)."""
    s3 = moto_client("s3")
    for key in list_keys(bucket, prefix):
        path = os.path.join(into, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        s3.download_file(bucket, key, path)


def get_json(bucket, key):
    return json.loads(moto_client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def export_args(task_id, cluster, bucket, role, key, **extra):
    """StartExportTask arguments for the configured cluster `cluster`; `extra` adds or overrides."""
    args = {"ExportTaskIdentifier": task_id, "SourceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{cluster}",
            "S3BucketName": bucket, "IamRoleArn": role, "KmsKeyId": key}
    args.update(extra)
    return args


def dbexport_bin():
    """The dbexport binary (the first word of DBX_SERVE_BIN)."""
    return shlex.split(env("DBX_SERVE_BIN"))[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """One `serve` process with its own state directory and port."""

    def __init__(self, name, clusters, extra="", state_dir=None, webhook_url=None, webhook_secret=None):
        self.dir = tempfile.mkdtemp(prefix=f"svctest-{name}-")
        self.state_dir = state_dir or os.path.join(self.dir, "state")
        self.clusters = clusters
        self.extra = extra
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.port = free_port()
        self.process = None
        self.log_path = os.path.join(self.dir, "serve.log")

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def write_config(self):
        lines = [f'listen = "127.0.0.1:{self.port}"', f'region = "{REGION}"', f'account_id = "{ACCOUNT}"',
                 f'state_dir = "{self.state_dir}"', self.extra, "",
                 "[[access_keys]]", f'id = "{ADMIN_KEY}"', 'secret_env = "SVCTEST_ADMIN_SECRET"', "",
                 "[s3]", f'endpoint_url = "{env("DBX_TEST_S3_ENDPOINT")}"', ""]
        for name, database, options in self.clusters:
            # A database name, or a whole source URL (a MySQL cluster).
            source = database if "://" in database else pg_url(database)
            lines += ["[[clusters]]", f'name = "{name}"', f'source = "{source}"', options, ""]
        if self.webhook_url:
            lines += ["[notifications]", f'webhook_url = "{self.webhook_url}"']
            if self.webhook_secret:
                lines += [f'webhook_secret = "{self.webhook_secret}"']
        path = os.path.join(self.dir, "dbexport.toml")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def start(self):
        config = self.write_config()
        process_env = dict(os.environ, SVCTEST_ADMIN_SECRET=ADMIN_SECRET, **MOTO_ENV)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([*shlex.split(env("DBX_SERVE_BIN")), "--config", config],
                                            stdout=subprocess.PIPE,
                                            stderr=log, env=process_env)
        line = self.process.stdout.readline().decode()
        self.process.stdout.close()
        if "listening on" not in line:
            self.process.wait(timeout=10)
            raise AssertionError(f"serve did not start (exit {self.process.returncode}): {self.log()}")
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
        return self.process.returncode if self.process else None

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def rds(self, key=ADMIN_KEY, secret=ADMIN_SECRET):
        return boto3.client("rds", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=key,
                            aws_secret_access_key=secret,
                            config=botocore.config.Config(retries={"max_attempts": 1}))

    def cli(self, *args, key=ADMIN_KEY, secret=ADMIN_SECRET):
        """Runs `aws rds <args> --endpoint-url ...`; returns (exit code, parsed JSON or None, stderr)."""
        process_env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
                           AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="1")
        process_env.pop("AWS_SESSION_TOKEN", None)
        r = subprocess.run(["aws", "rds", *args, "--endpoint-url", self.endpoint, "--output", "json"],
                           capture_output=True, text=True, env=process_env)
        out = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else None
        return r.returncode, out, r.stderr.strip()

    def task(self, task_id):
        return self.rds().describe_export_tasks(ExportTaskIdentifier=task_id)["ExportTasks"][0]

    def wait_for(self, task_id, predicate, timeout=120, what="condition"):
        deadline = time.time() + timeout
        task = None
        while time.time() < deadline:
            task = self.task(task_id)
            if predicate(task):
                return task
            time.sleep(0.1)
        raise AssertionError(f"task {task_id}: {what} not reached in {timeout}s; last: {task}\n{self.log()}")

    def wait_status(self, task_id, statuses, timeout=120):
        statuses = {statuses} if isinstance(statuses, str) else set(statuses)
        return self.wait_for(task_id, lambda t: t["Status"] in statuses, timeout, f"status {statuses}")


class WebhookReceiver:
    """A loopback HTTP server collecting the JSON events POSTed to it, with
    their headers. The first `fail_first` deliveries are answered 500 (to
    exercise retries)."""

    def __init__(self, fail_first=0):
        receiver = self
        self.events = []
        self.deliveries = []  # (headers as a dict, raw body) of every accepted POST
        self.attempts = 0
        self.fail_first = fail_first
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.attempts += 1
                    fail = receiver.attempts <= receiver.fail_first
                    if not fail:
                        receiver.events.append(json.loads(body))
                        receiver.deliveries.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if fail else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/events"

    def for_task(self, task_id):
        with self.lock:
            seen, out = set(), []
            for e in self.events:
                if e["exportTaskIdentifier"] == task_id and e["eventId"] not in seen:
                    seen.add(e["eventId"])
                    out.append(e)
            return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class ServiceTestCase(unittest.TestCase):
    """Stops every service a test started and removes its directory (the
    waits above put the service log into their failure messages)."""

    def setUp(self):
        self.services = []

    def tearDown(self):
        for service in self.services:
            service.stop()
            shutil.rmtree(service.dir, ignore_errors=True)

    def start_service(self, *args, **kwargs):
        service = Service(*args, **kwargs).start()
        self.services.append(service)
        return service
