// Reads a Parquet file with hyparquet (npm, a pure JavaScript Parquet reader;
// GZIP through hyparquet-compressors) and prints, as JSON, for each column the
// schema element hyparquet parsed and the JavaScript type its default
// conversion gives, then every value:
//   {"columns": [{"name", "physical", "converted", "logical", "list", "jsType"}],
//    "rows": [[value, ...], ...]}
// `jsType` is the type of the first non-null value read with hyparquet's
// default parsers: "number", "bigint", "string", "boolean", "object" (parsed
// JSON), "Date", "Uint8Array", "Array<...>" (lists), or "null" when the
// column holds only NULLs. `logical` is the LogicalType as hyparquet names
// it ("TIMESTAMP(MICROS, utc)", "INTEGER(64, unsigned)", "DECIMAL(10,2)"...);
// for a LIST column the three describe its element, and `list` is true.
// Values are hyparquet's own values printed losslessly: bigints as decimal
// strings, floats (and DECIMAL, which hyparquet converts to a number) as
// numbers (NaN, Infinity and -0 as strings), bytes as lowercase hex, DATE as
// YYYY-MM-DD, timestamps as YYYY-MM-DDTHH:MM:SS.ffffff with a "Z" when the
// column is UTC-adjusted (read through a parser that keeps the microseconds
// hyparquet's Date would drop), JSON as the parsed JSON value, NULL as null.
//
// Usage: node read_hyparquet.mjs FILE.parquet
import { readFileSync } from 'node:fs';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { civilFromDays, floorDiv, pad, timestampText } from './lossless_text.mjs';

// Marks a value produced by the lossless parsers below, so the printer
// can tell a timestamp from a string column's text.
class Stamp {
  constructor(text) { this.text = text; }
}
const losslessParsers = {
  timestampFromMilliseconds: (v) => new Stamp(timestampText(BigInt(v) * 1000n)),
  timestampFromMicroseconds: (v) => new Stamp(timestampText(BigInt(v))),
  timestampFromNanoseconds: (v) => {
    const n = BigInt(v);
    return new Stamp(timestampText(floorDiv(n, 1000n)) + pad(n - floorDiv(n, 1000n) * 1000n, 3));
  },
  dateFromDays: (d) => new Stamp(civilFromDays(d)),
};

function jsType(v) {
  if (v === null || v === undefined) return 'null';
  if (v instanceof Date) return 'Date';
  if (v instanceof Uint8Array) return 'Uint8Array';
  if (Array.isArray(v)) {
    const first = v.find((x) => x !== null && x !== undefined);
    return `Array<${jsType(first)}>`;
  }
  return typeof v;
}

function printable(v, utc) {
  if (v === null || v === undefined) return null;
  if (v instanceof Stamp) return v.text.length > 10 && utc ? v.text + 'Z' : v.text;
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : Number.isFinite(v) ? v : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (Array.isArray(v)) return v.map((x) => printable(x, utc));
  if (v instanceof Date) throw new Error('read_hyparquet.mjs: unexpected Date');
  return v;  // string, boolean, parsed JSON
}

function logicalName(lt) {
  if (!lt) return null;
  switch (lt.type) {
    case 'TIMESTAMP':
    case 'TIME':
      return `${lt.type}(${lt.unit}, ${lt.isAdjustedToUTC ? 'utc' : 'local'})`;
    case 'INTEGER': return `INTEGER(${lt.bitWidth}, ${lt.isSigned ? 'signed' : 'unsigned'})`;
    case 'DECIMAL': return `DECIMAL(${lt.precision},${lt.scale})`;
    default: return lt.type;
  }
}

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: node read_hyparquet.mjs FILE.parquet\n');
  process.exit(2);
}
const bytes = readFileSync(path);
const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const metadata = parquetMetadata(file);

// Top-level fields and the leaf element describing each one's values
// (the element of a three-level LIST).
const schema = metadata.schema;
const fields = [];
for (let i = 1, top = 0; top < schema[0].num_children; ++top) {
  const field = schema[i];
  let leaf = field;
  let j = i;
  while (schema[j].num_children) ++j;  // descend to the first leaf
  leaf = schema[j];
  // Skip the whole subtree.
  let remaining = 1;
  while (remaining > 0) { remaining += (schema[i].num_children || 0) - 1; ++i; }
  fields.push({ field, leaf });
}

const names = fields.map((f) => f.field.name);
const typed = await parquetReadObjects({ file, compressors, metadata });
// utf8: false keeps unannotated BYTE_ARRAY (bytea, BLOB) as bytes; annotated
// strings are decoded either way.
const exact = await parquetReadObjects({ file, compressors, metadata, parsers: losslessParsers, utf8: false });

const columns = fields.map(({ field, leaf }) => {
  const first = typed.find((r) => r[field.name] !== null && r[field.name] !== undefined);
  return {
    name: field.name,
    physical: leaf.type,
    converted: leaf.converted_type ?? null,
    logical: logicalName(leaf.logical_type),
    list: leaf !== field,
    jsType: first ? jsType(first[field.name]) : 'null',
  };
});
const rows = exact.map((r) => fields.map(({ leaf }, c) =>
  printable(r[names[c]], !!leaf.logical_type?.isAdjustedToUTC)));
process.stdout.write(JSON.stringify({ columns, rows }, (k, v) => (typeof v === 'bigint' ? String(v) : v)));
