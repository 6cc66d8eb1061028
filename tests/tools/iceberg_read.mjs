// Reads Apache Iceberg tables with icebird (an independent Iceberg reader:
// its own Avro decoder for the manifest list and manifests, hyparquet for
// the data files) and prints them as JSON.
//
// Input on stdin: {"tables": ["<table location>", ...], "s3Endpoint": "http://..."}
// A location is file:///abs/dir or s3://bucket/key (read through the
// S3-compatible endpoint, path style, requests signed with SigV4 from
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION). Output:
//   [{"location", "snapshotId", "recordCount" (sum of the manifests'
//     record_count), "files", "dataFiles": [{path, recordCount, sizeBytes,
//     columnSizes, valueCounts, nullValueCounts, nanValueCounts, lowerBounds,
//     upperBounds (hex)}] with the metrics keyed by field id, "columns",
//     "rows": [[value text or null, ...]]}]
// or [{"location", "error"}] for a table that could not be read (exit 1).
// Values as text: Date -> ISO 8601, bytes -> hex, lists -> elements joined
// with ',', everything else String().
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { icebergMetadata, icebergRead } from 'icebird';
import { icebergManifests } from 'icebird/src/manifest.js';

const input = JSON.parse(await new Promise((resolve) => {
  let data = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (c) => { data += c; });
  process.stdin.on('end', () => resolve(data));
}));

// icebird reads everything with fetch(): serve file:// URLs from disk, and
// send the S3 URLs it makes (https://<bucket>.s3.amazonaws.com/<key>) to the
// test's endpoint.
const realFetch = globalThis.fetch;

// SigV4 headers of an unsigned-payload GET (or HEAD) of `url`.
function signS3(method, url) {
  const key = process.env.AWS_ACCESS_KEY_ID || '';
  const secret = process.env.AWS_SECRET_ACCESS_KEY || '';
  const region = process.env.AWS_DEFAULT_REGION || 'us-east-1';
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/s3/aws4_request`;
  const headers = { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-date': amzDate };
  const signed = Object.keys(headers).sort();
  const canonical = [method, url.pathname, '', ...signed.map((h) => `${h}:${headers[h]}`), '', signed.join(';'),
    'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let k = createHmac('sha256', 'AWS4' + secret).update(day).digest();
  for (const part of [region, 's3', 'aws4_request']) k = createHmac('sha256', k).update(part).digest();
  const signature = createHmac('sha256', k).update(toSign).digest('hex');
  return {
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    'x-amz-date': amzDate,
    authorization: `AWS4-HMAC-SHA256 Credential=${key}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`,
  };
}
globalThis.fetch = async (resource, init) => {
  const url = String(resource);
  if (url.startsWith('file://')) {
    try {
      const body = await readFile(fileURLToPath(url));
      return new Response(body, { status: 200, headers: { 'content-length': String(body.length) } });
    } catch (e) {
      return new Response(String(e), { status: 404 });
    }
  }
  const s3 = url.match(/^https:\/\/([^./]+)\.s3\.amazonaws\.com\/(.*)$/);
  if (s3 && input.s3Endpoint) {
    const target = new URL(`${input.s3Endpoint}/${s3[1]}/${s3[2]}`);
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(signS3(init?.method || 'GET', target))) headers.set(k, v);
    return realFetch(target, { ...init, headers });
  }
  return realFetch(url, init);
};

function text(v) {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map(text).join(',');
  return String(v);
}

const out = [];
let failed = false;
for (const location of input.tables) {
  try {
    const metadata = await icebergMetadata({ tableUrl: location, metadataFileName: 'v1.metadata.json' });
    const manifests = await icebergManifests(metadata);
    let recordCount = 0n;
    let files = 0;
    const dataFiles = [];
    // Iceberg maps are Avro arrays of {key, value}: as objects keyed by field id.
    const byId = (m, f) => Object.fromEntries((m || []).map(({ key, value }) => [String(key), f(value)]));
    for (const m of manifests) {
      for (const e of m.entries) {
        recordCount += BigInt(e.data_file.record_count);
        files += 1;
        const d = e.data_file;
        dataFiles.push({
          path: d.file_path,
          recordCount: String(d.record_count),
          sizeBytes: String(d.file_size_in_bytes),
          columnSizes: byId(d.column_sizes, String),
          valueCounts: byId(d.value_counts, String),
          nullValueCounts: byId(d.null_value_counts, String),
          nanValueCounts: byId(d.nan_value_counts, String),
          lowerBounds: byId(d.lower_bounds, text),
          upperBounds: byId(d.upper_bounds, text),
        });
      }
    }
    const schema = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']);
    const columns = schema.fields.map((f) => f.name);
    const rows = files === 0 ? [] : await icebergRead({ tableUrl: location, metadata });
    out.push({
      location,
      snapshotId: String(metadata['current-snapshot-id']),
      recordCount: String(recordCount),
      files,
      dataFiles,
      columns,
      rows: rows.map((r) => columns.map((c) => text(r[c]))),
    });
  } catch (e) {
    out.push({ location, error: String(e && e.stack ? e.stack : e) });
    failed = true;
  }
}
process.stdout.write(JSON.stringify(out));
process.exitCode = failed ? 1 : 0;
