// Reads a Parquet file with arrow-rs (npm parquet-wasm, the Rust parquet
// crate compiled to WebAssembly) and prints, as JSON, each column's Arrow type
// and every value:
//   {"columns": [{"name", "type"}], "rows": [[value, ...], ...]}
// `type` is the Arrow type: apache-arrow's name for simple types ("Int32",
// "Uint64", "Utf8", "Binary", "Bool", "Float64"), and for parameterized ones
// "Decimal128(10, 2)", "FixedSizeBinary(16)", "Date32",
// "Time64(MICROSECOND)", "Timestamp(MICROSECOND, UTC)", "List<Int32>"; the
// field's extension name is appended when it has one
// ("FixedSizeBinary(16) extension=arrow.uuid").
// Values are lossless JSON: 64-bit integers as decimal strings, narrower
// integers and floats as numbers
// (NaN, Infinity and -0 as strings), bytes as lowercase hex, decimals as exact
// decimal strings, dates as YYYY-MM-DD, times as HH:MM:SS.ffffff,
// timestamps as YYYY-MM-DDTHH:MM:SS.ffffff (with "Z" when the type has a
// time zone), lists as arrays, NULL as null.
//
// Usage: node read_parquet_wasm.mjs FILE.parquet
import { readFileSync } from 'node:fs';
import { readParquet } from 'parquet-wasm/node';
import { tableFromIPC, Type, TimeUnit, DateUnit } from 'apache-arrow';
import { civilFromDays, floorDiv, pad, timeOfDay, timestampText } from './lossless_text.mjs';

const hex = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const unitMicros = (unit, v) => {
  switch (unit) {
    case TimeUnit.SECOND: return { micros: v * 1000000n, frac: 0n };
    case TimeUnit.MILLISECOND: return { micros: v * 1000n, frac: 0n };
    case TimeUnit.MICROSECOND: return { micros: v, frac: 0n };
    default: return { micros: floorDiv(v, 1000n), frac: v - floorDiv(v, 1000n) * 1000n };
  }
};

function formatTimestamp(unit, raw, zoned) {
  const { micros, frac } = unitMicros(unit, BigInt(raw));
  let text = timestampText(micros);
  if (unit === TimeUnit.NANOSECOND) text += pad(frac, 3);
  return zoned ? text + 'Z' : text;
}

function formatDecimal(words, scale) {
  // Little-endian 32-bit words of a two's complement integer.
  let v = 0n;
  for (let k = words.length - 1; k >= 0; --k) v = (v << 32n) | BigInt(words[k]);
  const bits = BigInt(words.length * 32);
  if (v >= 1n << (bits - 1n)) v -= 1n << bits;
  const neg = v < 0n;
  let digits = (neg ? -v : v).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
  }
  return (neg ? '-' : '') + digits;
}

function typeName(type) {
  switch (type.typeId) {
    case Type.Decimal: return `Decimal${type.bitWidth}(${type.precision}, ${type.scale})`;
    case Type.FixedSizeBinary: return `FixedSizeBinary(${type.byteWidth})`;
    case Type.Timestamp:
      return `Timestamp(${TimeUnit[type.unit]}${type.timezone ? ', ' + type.timezone : ''})`;
    case Type.Time: return `Time${type.bitWidth}(${TimeUnit[type.unit]})`;
    case Type.Date: return `Date${type.unit === DateUnit.DAY ? 32 : 64}`;
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList:
      return `${Type[type.typeId]}<${typeName(type.children[0].type)}>`;
    default: return String(type);
  }
}

// The value at `i` of one Data chunk (offset 0, as read from IPC).
function valueAt(data, i) {
  if (!data.getValid(i)) return null;
  const type = data.type;
  const at = i + data.offset;
  switch (type.typeId) {
    case Type.Null: return null;
    case Type.Bool: return ((data.values[at >> 3] >> (at & 7)) & 1) === 1;
    case Type.Int:
      return type.bitWidth === 64 ? String(data.values[at]) : Number(data.values[at]);
    case Type.Float: {
      if (type.precision === 0) throw new Error('read_parquet_wasm.mjs: Float16 is not printed');
      const v = Number(data.values[at]);
      if (Object.is(v, -0)) return '-0';
      return Number.isFinite(v) ? v : String(v);
    }
    case Type.Utf8:
    case Type.LargeUtf8: {
      const o = data.valueOffsets;
      return new TextDecoder('utf-8', { fatal: true }).decode(
        data.values.subarray(Number(o[at]), Number(o[at + 1])));
    }
    case Type.Binary:
    case Type.LargeBinary: {
      const o = data.valueOffsets;
      return hex(data.values.subarray(Number(o[at]), Number(o[at + 1])));
    }
    case Type.FixedSizeBinary:
      return hex(data.values.subarray(at * type.byteWidth, (at + 1) * type.byteWidth));
    case Type.Decimal: {
      const stride = type.bitWidth / 32;
      return formatDecimal(data.values.subarray(at * stride, (at + 1) * stride), type.scale);
    }
    case Type.Date:
      if (type.unit === DateUnit.DAY) return civilFromDays(data.values[at]);
      return formatTimestamp(TimeUnit.MILLISECOND, data.values[at], false).slice(0, 10);
    case Type.Time: {
      const { micros, frac } = unitMicros(type.unit, BigInt(data.values[at]));
      return timeOfDay(micros) + (type.unit === TimeUnit.NANOSECOND ? pad(frac, 3) : '');
    }
    case Type.Timestamp:
      return formatTimestamp(type.unit, data.values[at], !!type.timezone);
    case Type.List:
    case Type.LargeList: {
      const o = data.valueOffsets;
      const child = data.children[0];
      const out = [];
      for (let k = Number(o[at]); k < Number(o[at + 1]); ++k) out.push(valueAt(child, k));
      return out;
    }
    default:
      throw new Error(`read_parquet_wasm.mjs: no value printer for Arrow type ${type}`);
  }
}

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: node read_parquet_wasm.mjs FILE.parquet\n');
  process.exit(2);
}
const wasmTable = readParquet(new Uint8Array(readFileSync(path)));
const table = tableFromIPC(wasmTable.intoIPCStream());
const columns = table.schema.fields.map((f) => {
  const ext = f.metadata.get('ARROW:extension:name');
  return { name: f.name, type: typeName(f.type) + (ext ? ` extension=${ext}` : '') };
});
const rows = [];
for (const batch of table.batches) {
  const chunks = table.schema.fields.map((_, c) => batch.getChildAt(c).data[0]);
  for (let i = 0; i < batch.numRows; ++i) rows.push(chunks.map((d) => valueAt(d, i)));
}
process.stdout.write(JSON.stringify({ columns, rows }));
