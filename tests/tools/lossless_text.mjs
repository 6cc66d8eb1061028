// Lossless text forms of dates and times, shared by the reader scripts so
// that every reader's values print the same way (and compare as text).

export const pad = (n, w) => String(n).padStart(w, '0');
// Floor division of bigints (rounds toward minus infinity).
export const floorDiv = (a, b) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

// Proleptic Gregorian date from days since 1970-01-01 (H. Hinnant's algorithm).
export function civilFromDays(days) {
  const z = BigInt(days) + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  let y = yoe + era * 400n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  if (m <= 2n) y += 1n;
  const ys = y < 0n ? '-' + pad(-y, 4) : pad(y, 4);
  return `${ys}-${pad(m, 2)}-${pad(d, 2)}`;
}

// HH:MM:SS.ffffff of microseconds since midnight (a bigint).
export function timeOfDay(micros) {
  const us = micros % 1000000n;
  const s = micros / 1000000n;
  return `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}.${pad(us, 6)}`;
}

// YYYY-MM-DDTHH:MM:SS.ffffff of microseconds since the epoch (a bigint).
export function timestampText(micros) {
  const day = floorDiv(micros, 86400000000n);
  return `${civilFromDays(day)}T${timeOfDay(micros - day * 86400000000n)}`;
}
