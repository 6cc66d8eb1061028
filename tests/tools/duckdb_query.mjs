// Runs SQL statements in DuckDB (an independent Parquet reader) and prints
// their results as JSON: [{columns, types, rows}] with every value as DuckDB's
// own VARCHAR text (NULL as null), so tests compare text with text.
//
// Input: a JSON array of SQL strings on stdin. Queries (SELECT/FROM/WITH/
// DESCRIBE/SUMMARIZE) are wrapped in `SELECT COLUMNS(*)::VARCHAR`; `types`
// are the types of the unwrapped query. Other statements (SET, CALL, ...) run
// as they are. An error prints {"error": message} for that statement and the
// process exits 1.
import { DuckDBInstance } from '@duckdb/node-api';

const input = await new Promise((resolve) => {
  let data = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (c) => { data += c; });
  process.stdin.on('end', () => resolve(data));
});

const statements = JSON.parse(input);
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const out = [];
let failed = false;
for (const sql of statements) {
  try {
    const trimmed = sql.trim().replace(/;+\s*$/, '');
    const isQuery = /^(select|from|with|describe|summarize|\(|pragma)/i.test(trimmed)
      && !/^pragma\s+\w+\s*=/.test(trimmed);
    if (!isQuery) {
      await connection.run(trimmed);
      out.push({ columns: [], types: [], rows: [] });
      continue;
    }
    const typed = await connection.runAndReadAll(`SELECT * FROM (${trimmed}) LIMIT 0`);
    const types = typed.columnTypes().map((t) => t.toString());
    const reader = await connection.runAndReadAll(
      `SELECT COLUMNS(*)::VARCHAR FROM (${trimmed})`);
    const rows = reader.getRows().map((r) => r.map((v) => (v === null ? null : String(v))));
    out.push({ columns: reader.columnNames(), types, rows });
  } catch (e) {
    out.push({ error: String(e && e.message ? e.message : e) });
    failed = true;
  }
}
process.stdout.write(JSON.stringify(out));
process.exitCode = failed ? 1 : 0;
