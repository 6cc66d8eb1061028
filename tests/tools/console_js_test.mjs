// The web console's modules that need no page, under Node:
//  - sigv4.js: the portable SHA-256 and HMAC-SHA256 (used where browsers
//    offer no crypto.subtle) against node:crypto for inputs around every
//    block boundary, and signQuery against the same computation done with
//    node:crypto;
//  - fields.js: which form field each StartExportTask error concerns, for
//    the service's own messages (start_validation.cc).
// Usage: node console_js_test.mjs <source dir>; exits 1 on a mismatch.

import { createHash, createHmac } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const source = process.argv[2];
if (!source) throw new Error("usage: console_js_test.mjs <source dir>");
const consoleModule = (name) => import(pathToFileURL(join(source, "src/service/console", name)).href);
const { portable, signQuery, amzDate } = await consoleModule("sigv4.js");
const { fieldForError } = await consoleModule("fields.js");

let failures = 0;
function expectEqual(actual, expected, what) {
  if (actual !== expected) {
    failures += 1;
    console.log(`FAIL ${what}: ${actual} != ${expected}`);
  }
}

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const bytes = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 3) & 0xff);

for (const n of [0, 1, 3, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 70000]) {
  const data = bytes(n, n);
  expectEqual(hex(portable.sha256(data)), createHash("sha256").update(data).digest("hex"), `sha256 of ${n} bytes`);
}
for (const keyLength of [0, 1, 32, 63, 64, 65, 100, 200]) {
  const key = bytes(keyLength, 5);
  const data = bytes(keyLength + 17, 9);
  expectEqual(hex(portable.hmac(key, data)), createHmac("sha256", key).update(data).digest("hex"),
    `hmac with a ${keyLength}-byte key`);
}

// signQuery against the same computation done with node:crypto.
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1" };
const body = "Action=DescribeExportTasks&Version=2014-10-31";
const now = new Date(Date.UTC(2024, 4, 1, 10, 0, 0));
const stamp = amzDate(now);
expectEqual(stamp, "20240501T100000Z", "amzDate");
const headers = await signQuery(credentials, "127.0.0.1:8080", body, now);
const sha = (text) => createHash("sha256").update(text).digest("hex");
const canonical = ["POST", "/", "", "host:127.0.0.1:8080", `x-amz-date:${stamp}`, "", "host;x-amz-date", sha(body)].join("\n");
const scope = "20240501/us-east-1/rds/aws4_request";
const toSign = ["AWS4-HMAC-SHA256", stamp, scope, sha(canonical)].join("\n");
let key = createHmac("sha256", "AWS4" + credentials.secretAccessKey).update("20240501").digest();
for (const part of ["us-east-1", "rds", "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
const signature = createHmac("sha256", key).update(toSign).digest("hex");
expectEqual(headers["X-Amz-Date"], stamp, "X-Amz-Date");
expectEqual(headers.Authorization,
  `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${scope}, SignedHeaders=host;x-amz-date, Signature=${signature}`,
  "Authorization");

const cases = [
  ["ExportTaskAlreadyExists", "The export task with the ID x already exists.", "identifier"],
  ["InvalidS3BucketFault", "The S3 bucket name Bad_Bucket isn't valid: ...", "bucket"],
  ["IamRoleNotFound", "The IAM role r can't be found", "role"],
  ["IamRoleMissingPermissions", "The IAM role r belongs to account 1", "role"],
  ["KMSKeyNotAccessibleFault", "The KMS key k isn't accessible", "kms"],
  ["InvalidExportOnly", "The ExportOnly parameter isn't valid: ...", "exportonly"],
  ["DBClusterNotFoundFault", "DBCluster nosuch not found.", "cluster"],
  ["InvalidParameterValue", "The parameter ExportTaskIdentifier is not a valid identifier. Identifiers must begin with a letter", "identifier"],
  ["InvalidParameterValue", "The S3 prefix a:b isn't valid: S3 prefixes containing ':' are not supported.", "prefix"],
  ["InvalidParameterValue", "The S3 prefix my-identifier/x/.. isn't valid: it must be '/'-separated names", "prefix"],
  ["InvalidParameterValue", "The S3 prefix is 2000 bytes long; at most 1024 are allowed.", "prefix"],
  ["InvalidParameterValue", "The parameter SourceArn is not a valid DB cluster ARN: 'x'.", "cluster"],
  ["MissingParameter", "The request must contain the parameter KmsKeyId", "kms"],
  ["MissingParameter", "The request must contain the parameter IamRoleArn", "role"],
  ["MissingParameter", "The request must contain the parameter S3BucketName", "bucket"],
  ["InvalidExportSourceState", "You have reached the maximum number of concurrent export tasks (5).", "cluster"],
  ["ServiceUnavailable", "The service is shutting down.", null],
  ["InternalFailure", "An internal error occurred.", null],
];
for (const [code, message, field] of cases) expectEqual(fieldForError(code, message), field, `${code}: ${message}`);

if (failures) process.exit(1);
console.log("ok: portable SHA-256/HMAC match node:crypto; signQuery matches; errors map to their fields");
