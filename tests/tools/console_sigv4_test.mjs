// The web console's SigV4 code (src/service/console/sigv4.js) under Node:
// the portable SHA-256 and HMAC-SHA256 (used where browsers offer no
// crypto.subtle) against node:crypto for inputs around every block boundary,
// and signQuery against the worked example computed independently below with
// node:crypto. Usage: node console_sigv4_test.mjs <source dir>; exits 1 on a
// mismatch.

import { createHash, createHmac } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const source = process.argv[2];
if (!source) throw new Error("usage: console_sigv4_test.mjs <source dir>");
const { portable, signQuery, amzDate } = await import(pathToFileURL(join(source, "src/service/console/sigv4.js")).href);

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

if (failures) process.exit(1);
console.log("ok: portable SHA-256/HMAC match node:crypto; signQuery matches");
