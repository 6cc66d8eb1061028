"""The RDS API of `serve` driven by the real `aws` CLI and boto3: every field
of the responses, every error code of reference.md section 1 with its HTTP
status, filters and pagination over more than 20 tasks, SigV4 refusals,
DescribeDBClusters, /metrics and /healthz."""

import datetime
import os
import re
import time
import unittest
import unittest.mock
import urllib.error
import urllib.parse
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.exceptions import ClientError

from service_harness import (ACCOUNT, ADMIN_KEY, ADMIN_SECRET, ServiceTestCase, create_key, ensure_role,
                             export_args, list_keys, moto_client, psql, recreate_bucket, recreate_database)

DB = "svctest_api"
BUCKET = "svctest-api"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SHOP_ARN = f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:shop"


def iso(value):
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")


class ApiTest(ServiceTestCase):
    @classmethod
    def setUpClass(cls):
        recreate_database(DB)
        psql(DB, """
            CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric(10,2), note text);
            INSERT INTO orders SELECT g, g * 1.25, 'order ' || g FROM generate_series(1, 500) g;
            CREATE UNLOGGED TABLE scratch (id int);
        """)
        recreate_bucket(BUCKET)
        cls.role = ensure_role()
        cls.key = create_key()

    def setUp(self):
        super().setUp()
        clusters = [("shop", DB, ""), ("billing", DB, "parallelism = 2"), ("other", DB, "")]
        self.service = self.start_service("api", clusters)

    def start_args(self, task_id, cluster="shop", bucket=BUCKET, **extra):
        return export_args(task_id, cluster, bucket, self.role, self.key, **extra)

    def test_start_and_describe_with_the_cli_return_every_field(self):
        code, started, err = self.service.cli(
            "start-export-task", "--export-task-identifier", "cli-full", "--source-arn", SHOP_ARN,
            "--s3-bucket-name", BUCKET, "--iam-role-arn", self.role, "--kms-key-id", self.key,
            "--s3-prefix", "daily/run", "--export-only", "svctest_api.public")
        self.assertEqual(code, 0, err)
        self.assertEqual(set(started), {"ExportTaskIdentifier", "SourceArn", "ExportOnly", "TaskStartTime", "S3Bucket",
                                        "S3Prefix", "IamRoleArn", "KmsKeyId", "Status", "PercentProgress",
                                        "TotalExtractedDataInGB", "SourceType"})
        self.assertEqual(started["ExportTaskIdentifier"], "cli-full")
        self.assertEqual(started["SourceArn"], SHOP_ARN)
        self.assertEqual(started["ExportOnly"], ["svctest_api.public"])
        self.assertRegex(started["TaskStartTime"], ISO_MS)
        self.assertEqual(started["S3Bucket"], BUCKET)
        self.assertEqual(started["S3Prefix"], "daily/run")
        self.assertEqual(started["IamRoleArn"], self.role)
        self.assertEqual(started["KmsKeyId"], self.key)
        self.assertEqual(started["Status"], "STARTING")
        self.assertEqual(started["PercentProgress"], 0)
        self.assertEqual(started["TotalExtractedDataInGB"], 0)
        self.assertEqual(started["SourceType"], "CLUSTER")

        self.service.wait_status("cli-full", "COMPLETE")
        code, described, err = self.service.cli("describe-export-tasks", "--export-task-identifier", "cli-full")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(described["ExportTasks"]), 1)
        done = described["ExportTasks"][0]
        self.assertEqual(set(done), set(started) | {"SnapshotTime", "TaskEndTime", "WarningMessage"})
        self.assertEqual(done["Status"], "COMPLETE")
        self.assertEqual(done["PercentProgress"], 100)
        self.assertEqual(done["TotalExtractedDataInGB"], 0)
        for field in ("SnapshotTime", "TaskStartTime", "TaskEndTime"):
            self.assertRegex(done[field], ISO_MS)
        self.assertEqual(done["TaskStartTime"], started["TaskStartTime"])
        self.assertLessEqual(iso(done["TaskStartTime"]), iso(done["SnapshotTime"]))
        self.assertLessEqual(iso(done["SnapshotTime"]), iso(done["TaskEndTime"]))
        self.assertEqual(done["WarningMessage"],
                         '{"skippedTables":[{"target":"svctest_api.public.scratch","reason":"UNLOGGED_TABLE"}],'
                         '"skippedObjectives":[],"general":[]}')
        keys = list_keys(BUCKET, "daily/run/cli-full/")
        self.assertIn("daily/run/cli-full/export_info_cli-full.json", keys)
        self.assertTrue(any(k.startswith("daily/run/cli-full/svctest_api/public.orders/") and
                            k.endswith(".gz.parquet") for k in keys), keys)

    def test_every_error_code_with_boto3(self):
        rds = self.service.rds()
        rds.start_export_task(**self.start_args("dup"))
        self.service.wait_status("dup", "COMPLETE")

        def expect(call, kwargs, exception, code, status, message):
            with self.assertRaises(getattr(rds.exceptions, exception) if exception else ClientError) as ctx:
                call(**kwargs)
            error = ctx.exception.response["Error"]
            self.assertEqual(error["Code"], code)
            self.assertEqual(error["Type"], "Sender")
            self.assertEqual(error["Message"], message)
            self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], status)
            self.assertRegex(ctx.exception.response["ResponseMetadata"]["RequestId"], r"^[0-9a-f-]{36}$")

        start = rds.start_export_task
        expect(start, self.start_args("dup"), "ExportTaskAlreadyExistsFault", "ExportTaskAlreadyExists", 400,
               "The export task with the ID dup already exists.")
        expect(rds.describe_export_tasks, {"ExportTaskIdentifier": "ghost"}, "ExportTaskNotFoundFault",
               "ExportTaskNotFound", 404, "Cannot find export task with ID ghost.")
        expect(rds.cancel_export_task, {"ExportTaskIdentifier": "ghost"}, "ExportTaskNotFoundFault",
               "ExportTaskNotFound", 404, "Cannot find export task with ID ghost.")
        expect(rds.cancel_export_task, {"ExportTaskIdentifier": "dup"}, "InvalidExportTaskStateFault",
               "InvalidExportTaskStateFault", 400,
               "Cannot cancel export task dup because its status is COMPLETE. Only STARTING or IN_PROGRESS tasks "
               "can be canceled.")
        expect(start, self.start_args("bad-only", ExportOnly=["svctest_api.pub lic"]), "InvalidExportOnlyFault",
               "InvalidExportOnly", 400,
               "The ExportOnly parameter isn't valid: invalid export-only entry 'svctest_api.pub lic': name "
               "'pub lic' may contain only A-Z, a-z, 0-9, $ and _")
        expect(start, self.start_args("bad-bucket", bucket="Not_A_Bucket"), "InvalidS3BucketFault",
               "InvalidS3BucketFault", 400,
               "The S3 bucket name Not_A_Bucket isn't valid: it may contain only lowercase letters, digits, dots "
               "and hyphens.")
        expect(start, self.start_args("bad-role", IamRoleArn="export-role"), "IamRoleNotFoundFault",
               "IamRoleNotFound", 404,
               "The IAM role export-role can't be found: IamRoleArn must be an IAM role ARN, "
               "arn:aws:iam::<account-id>:role/<role-name>.")
        expect(start, self.start_args("foreign-role", IamRoleArn="arn:aws:iam::999999999999:role/x"),
               "IamRoleMissingPermissionsFault", "IamRoleMissingPermissions", 400,
               "The IAM role arn:aws:iam::999999999999:role/x belongs to account 999999999999; export tasks of "
               f"account {ACCOUNT} can only assume roles of their own account.")
        expect(start, self.start_args("bad-key", KmsKeyId="my key"), "KMSKeyNotAccessibleFault",
               "KMSKeyNotAccessibleFault", 400,
               "The KMS key my key isn't accessible: KmsKeyId must be a key ID, key ARN, alias name (alias/...) or "
               "alias ARN.")
        expect(start, self.start_args("no-cluster", cluster="ghost"), "DBClusterNotFoundFault",
               "DBClusterNotFoundFault", 404, "DBCluster ghost not found.")
        expect(rds.describe_db_clusters, {"DBClusterIdentifier": "ghost"}, "DBClusterNotFoundFault",
               "DBClusterNotFoundFault", 404, "DBCluster ghost not found.")
        expect(start, self.start_args("9-bad-id"), None, "InvalidParameterValue", 400,
               "The parameter ExportTaskIdentifier is not a valid identifier. Identifiers must begin with a letter; "
               "must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two "
               "consecutive hyphens.")
        expect(start, self.start_args("colon", S3Prefix="a:b"), None, "InvalidParameterValue", 400,
               "The S3 prefix a:b isn't valid: S3 prefixes containing ':' are not supported.")
        expect(rds.describe_export_tasks, {"MaxRecords": 101}, None, "InvalidParameterValue", 400,
               "Invalid value 101 for MaxRecords. Must be between 20 and 100")
        expect(rds.describe_export_tasks, {"Filters": [{"Name": "status", "Values": ["COMPLETE"]}]}, None,
               "InvalidParameterValue", 400,
               "Invalid status filter value 'COMPLETE'. Valid values (lowercase): canceled, canceling, complete, "
               "failed, in_progress, starting.")

        # Source busy: the big export keeps "billing" running while a second one is refused.
        psql(DB, "CREATE TABLE IF NOT EXISTS wide AS SELECT g AS id, md5(g::text) AS t "
                 "FROM generate_series(1, 1500000) g;")
        rds.start_export_task(**self.start_args("busy-1", cluster="billing"))
        with self.assertRaises(rds.exceptions.InvalidExportSourceStateFault) as ctx:
            start(**self.start_args("busy-2", cluster="billing"))
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidExportSourceState")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertRegex(ctx.exception.response["Error"]["Message"],
                         r"^The DB cluster billing already has an export task in progress \(busy-1, "
                         r"(STARTING|IN_PROGRESS)\)\. Only one export task can run per DB cluster at a time\.$")
        rds.cancel_export_task(ExportTaskIdentifier="busy-1")
        self.service.wait_status("busy-1", {"CANCELED", "COMPLETE"})
        psql(DB, "DROP TABLE wide;")
        # Nothing refused was created.
        ids = {t["ExportTaskIdentifier"] for t in rds.describe_export_tasks()["ExportTasks"]}
        self.assertEqual(ids, {"dup", "busy-1"})

    def test_errors_through_the_cli(self):
        code, _, err = self.service.cli("start-export-task", "--export-task-identifier", "cli-dup", "--source-arn",
                                        SHOP_ARN, "--s3-bucket-name", BUCKET, "--iam-role-arn", self.role,
                                        "--kms-key-id", self.key)
        self.assertEqual(code, 0, err)
        self.service.wait_status("cli-dup", {"COMPLETE"})
        code, _, err = self.service.cli("start-export-task", "--export-task-identifier", "cli-dup", "--source-arn",
                                        SHOP_ARN, "--s3-bucket-name", BUCKET, "--iam-role-arn", self.role,
                                        "--kms-key-id", self.key)
        self.assertEqual(code, 255)
        self.assertEqual(err, "An error occurred (ExportTaskAlreadyExists) when calling the StartExportTask "
                              "operation: The export task with the ID cli-dup already exists.")
        code, _, err = self.service.cli("cancel-export-task", "--export-task-identifier", "nope")
        self.assertEqual(code, 255)
        self.assertEqual(err, "An error occurred (ExportTaskNotFound) when calling the CancelExportTask operation: "
                              "Cannot find export task with ID nope.")
        code, _, err = self.service.cli("cancel-export-task", "--export-task-identifier", "cli-dup")
        self.assertEqual(code, 255)
        self.assertEqual(err, "An error occurred (InvalidExportTaskStateFault) when calling the CancelExportTask "
                              "operation: Cannot cancel export task cli-dup because its status is COMPLETE. Only "
                              "STARTING or IN_PROGRESS tasks can be canceled.")

    def test_filters_and_pagination_over_more_than_20_tasks(self):
        rds = self.service.rds()
        # 22 tasks whose pre-flight fails at once (the bucket does not exist),
        # 3 that complete, in three buckets' worth of names.
        for i in range(22):
            rds.start_export_task(**self.start_args(f"missing-{i:02d}", bucket="svctest-api-missing-bucket"))
            task = self.service.wait_status(f"missing-{i:02d}", "FAILED")
            self.assertEqual(task["FailureCause"],
                             "The S3 bucket svctest-api-missing-bucket isn't valid. Either it isn't located in the "
                             "current AWS Region or it doesn't exist. Review your S3 bucket name and retry the export.")
        for i in range(3):
            rds.start_export_task(**self.start_args(f"ok-{i}", cluster="other"))
            self.service.wait_status(f"ok-{i}", "COMPLETE")

        # The CLI pages through MaxRecords=20 pages by itself.
        code, out, err = self.service.cli("describe-export-tasks", "--page-size", "20")
        self.assertEqual(code, 0, err)
        self.assertEqual([t["ExportTaskIdentifier"] for t in out["ExportTasks"]],
                         [f"missing-{i:02d}" for i in range(22)] + ["ok-0", "ok-1", "ok-2"])
        # One page at a time with the CLI's tokens.
        code, first, err = self.service.cli("describe-export-tasks", "--page-size", "20", "--max-items", "20")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(first["ExportTasks"]), 20)
        code, second, err = self.service.cli("describe-export-tasks", "--page-size", "20", "--max-items", "20",
                                             "--starting-token", first["NextToken"])
        self.assertEqual(code, 0, err)
        self.assertEqual([t["ExportTaskIdentifier"] for t in second["ExportTasks"]],
                         ["missing-20", "missing-21", "ok-0", "ok-1", "ok-2"])
        self.assertNotIn("NextToken", second)
        # boto3's paginator sees the Marker protocol directly.
        pages = list(rds.get_paginator("describe_export_tasks").paginate(PaginationConfig={"PageSize": 20}))
        self.assertEqual([len(p["ExportTasks"]) for p in pages], [20, 5])
        self.assertIn("Marker", pages[0])
        self.assertNotIn("Marker", pages[1])

        def ids(*filters):
            code, out, err = self.service.cli("describe-export-tasks", "--filters", *filters)
            self.assertEqual(code, 0, err)
            return [t["ExportTaskIdentifier"] for t in out["ExportTasks"]]

        self.assertEqual(ids("Name=status,Values=complete"), ["ok-0", "ok-1", "ok-2"])
        self.assertEqual(len(ids("Name=status,Values=failed")), 22)
        self.assertEqual(len(ids("Name=status,Values=failed,complete")), 25)
        self.assertEqual(ids("Name=status,Values=in_progress"), [])
        self.assertEqual(ids("Name=s3-bucket,Values=svctest-api"), ["ok-0", "ok-1", "ok-2"])
        self.assertEqual(ids("Name=export-task-identifier,Values=ok-1,missing-03"), ["missing-03", "ok-1"])
        self.assertEqual(ids(f"Name=source-arn,Values=arn:aws:rds:us-east-1:{ACCOUNT}:cluster:other"),
                         ["ok-0", "ok-1", "ok-2"])
        self.assertEqual(ids("Name=status,Values=failed", "Name=export-task-identifier,Values=ok-1,missing-03"),
                         ["missing-03"])
        code, out, err = self.service.cli("describe-export-tasks", "--source-arn", SHOP_ARN)
        self.assertEqual(len(out["ExportTasks"]), 22)
        code, out, err = self.service.cli("describe-export-tasks", "--source-type", "SNAPSHOT")
        self.assertEqual(out["ExportTasks"], [])

    def test_failed_preflight_ends_the_task_failed_with_the_user_guide_cause(self):
        # StartExportTask accepts the task (STARTING); S3, STS and KMS answer later.
        eu = moto_client("s3", region="eu-west-1")
        try:
            eu.create_bucket(Bucket="svctest-api-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        except eu.exceptions.BucketAlreadyOwnedByYou:
            pass
        disabled = create_key()
        moto_client("kms").disable_key(KeyId=disabled)
        rds = self.service.rds()
        cases = [
            ("pf-missing", {"S3BucketName": "svctest-api-no-such-bucket"},
             "The S3 bucket svctest-api-no-such-bucket isn't valid. Either it isn't located in the current AWS "
             "Region or it doesn't exist. Review your S3 bucket name and retry the export."),
            ("pf-region", {"S3BucketName": "svctest-api-eu"},
             "The S3 bucket svctest-api-eu isn't located in the current AWS Region. Review your S3 bucket name and "
             "retry the export."),
            ("pf-key", {"KmsKeyId": disabled},
             "KMS key check failed. Check the credentials on your KMS key and try again."),
        ]
        for task_id, overrides, cause in cases:
            started = rds.start_export_task(**{**self.start_args(task_id), **overrides})
            self.assertEqual(started["Status"], "STARTING")
            task = self.service.wait_status(task_id, {"FAILED", "COMPLETE"})
            self.assertEqual(task["Status"], "FAILED")
            self.assertEqual(task["FailureCause"], cause)
            self.assertEqual(task["PercentProgress"], 0)
            self.assertNotIn("SnapshotTime", task)
            self.assertIn("TaskEndTime", task)
        self.assertEqual(list_keys(BUCKET, "pf-key/"), [])

    def test_describe_db_clusters(self):
        clusters = self.service.rds().describe_db_clusters()["DBClusters"]
        self.assertEqual([c["DBClusterIdentifier"] for c in clusters], ["shop", "billing", "other"])
        shop = clusters[0]
        self.assertEqual(shop["DBClusterArn"], SHOP_ARN)
        self.assertEqual(shop["Engine"], "aurora-postgresql")
        self.assertEqual(shop["Status"], "available")
        self.assertEqual(shop["Endpoint"], "127.0.0.1")
        self.assertEqual(shop["Port"], urllib.parse.urlsplit(os.environ["DBX_TEST_PG_URL"]).port)
        self.assertEqual(shop["DatabaseName"], DB)
        self.assertEqual(shop["MasterUsername"], "postgres")
        code, out, err = self.service.cli("describe-db-clusters", "--db-cluster-identifier", "billing")
        self.assertEqual(code, 0, err)
        self.assertEqual(out["DBClusters"][0]["DBClusterIdentifier"], "billing")

    def test_signatures_are_verified(self):
        wrong = self.service.rds(secret="not-the-secret")
        with self.assertRaises(ClientError) as ctx:
            wrong.start_export_task(**self.start_args("forged"))
        self.assertEqual(ctx.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertEqual(ctx.exception.response["Error"]["Message"],
                         "The request signature we calculated does not match the signature you provided. Check your "
                         "AWS Secret Access Key and signing method. Consult the service documentation for details.")
        unknown = self.service.rds(key="AKIANOBODY")
        with self.assertRaises(ClientError) as ctx:
            unknown.describe_export_tasks()
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidClientTokenId")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        code, _, err = self.service.cli("describe-export-tasks", secret="not-the-secret")
        self.assertEqual(code, 255)
        self.assertIn("An error occurred (SignatureDoesNotMatch) when calling the DescribeExportTasks operation",
                      err)

        body = (f"Action=StartExportTask&Version=2014-10-31&ExportTaskIdentifier=raw&SourceArn={SHOP_ARN}"
                f"&S3BucketName={BUCKET}&IamRoleArn={self.role}&KmsKeyId={self.key}")

        def post(headers):
            request = urllib.request.Request(self.service.endpoint + "/", data=body.encode(), method="POST",
                                             headers={"Content-Type": "application/x-www-form-urlencoded",
                                                      **headers})
            try:
                with urllib.request.urlopen(request) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode()

        status, text = post({})
        self.assertEqual(status, 403)
        self.assertIn("<Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token"
                      "</Message>", text)

        def signed_headers(when):
            request = botocore.awsrequest.AWSRequest(
                method="POST", url=self.service.endpoint + "/", data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"})
            credentials = botocore.credentials.Credentials(ADMIN_KEY, ADMIN_SECRET)
            signer = botocore.auth.SigV4Auth(credentials, "rds", "us-east-1")
            with unittest.mock.patch("botocore.auth.get_current_datetime", return_value=when):
                signer.add_auth(request)
            return dict(request.headers.items())

        stale = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
        status, text = post(signed_headers(stale))
        self.assertEqual(status, 403)
        self.assertIn("<Code>SignatureDoesNotMatch</Code><Message>Signature expired: ", text)

        headers = signed_headers(datetime.datetime.now(datetime.timezone.utc))
        headers["Authorization"] = headers["Authorization"].split(", Signature=")[0]
        status, text = post(headers)
        self.assertEqual(status, 403)
        self.assertIn("<Code>IncompleteSignature</Code>", text)

        # A correctly signed raw request is accepted: the refusals above are about the signature alone.
        status, text = post(signed_headers(datetime.datetime.now(datetime.timezone.utc)))
        self.assertEqual(status, 200, text)
        self.service.wait_status("raw", {"COMPLETE"})
        ids = [t["ExportTaskIdentifier"] for t in self.service.rds().describe_export_tasks()["ExportTasks"]]
        self.assertEqual(ids, ["raw"])

    def test_metrics_and_health(self):
        with urllib.request.urlopen(self.service.endpoint + "/healthz") as r:
            self.assertEqual(r.read(), b"ok\n")
        rds = self.service.rds()
        rds.start_export_task(**self.start_args("metered"))
        self.service.wait_status("metered", "COMPLETE")
        with self.assertRaises(ClientError):
            rds.cancel_export_task(ExportTaskIdentifier="ghost")
        with urllib.request.urlopen(self.service.endpoint + "/metrics") as r:
            self.assertTrue(r.headers["Content-Type"].startswith("text/plain"))
            text = r.read().decode()
        self.assertIn('dbexport_export_tasks{status="COMPLETE"} 1\n', text)
        self.assertIn('dbexport_export_tasks{status="FAILED"} 0\n', text)
        self.assertIn("dbexport_rows_exported_total 500\n", text)
        self.assertRegex(text, r"dbexport_bytes_written_total [1-9]\d*\n")
        self.assertIn("dbexport_export_duration_seconds_count 1\n", text)
        self.assertIn('dbexport_api_requests_total{action="StartExportTask",code="OK"} 1\n', text)
        self.assertIn('dbexport_api_requests_total{action="CancelExportTask",code="ExportTaskNotFound"} 1\n', text)


if __name__ == "__main__":
    unittest.main()
