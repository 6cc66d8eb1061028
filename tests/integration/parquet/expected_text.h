#pragma once
// How DuckDB prints values cast to VARCHAR (checked against DuckDB 1.5),
// so that tests can state what a reader must see for each value written.

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

namespace dbexport::parquet::testing {

inline std::string Int128Text(__int128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : v;
  std::string s;
  while (u != 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return negative ? "-" + s : s;
}

// DECIMAL(p, s): all `scale` fraction digits, "0.05", "-1.50".
inline std::string DecimalText(__int128 unscaled, int scale) {
  bool negative = unscaled < 0;
  std::string digits = Int128Text(negative ? -unscaled : unscaled);
  if (scale > 0) {
    if (digits.size() <= static_cast<size_t>(scale)) {
      digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  }
  return (negative ? "-" : "") + digits;
}

inline void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

inline int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

inline std::string Pad(int64_t v, int width) {
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  return s;
}

// "1969-12-31", "4713-11-24 (BC)" (year 0 is 1 BC).
inline std::string DateText(int64_t days, std::string* bc = nullptr) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  bool is_bc = y <= 0;
  std::string s = Pad(is_bc ? 1 - y : y, 4) + "-" + Pad(m, 2) + "-" + Pad(d, 2);
  if (bc != nullptr) {
    *bc = is_bc ? " (BC)" : "";
    return s;
  }
  return is_bc ? s + " (BC)" : s;
}

// "13:01:02.25": fraction without trailing zeros, none when whole.
inline std::string TimeText(int64_t micros) {
  std::string s = Pad(micros / 3600000000LL, 2) + ":" + Pad(micros / 60000000 % 60, 2) + ":" +
                  Pad(micros / 1000000 % 60, 2);
  int64_t frac = micros % 1000000;
  if (frac != 0) {
    std::string f = Pad(frac, 6);
    while (f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s;
}

// "1900-01-01 00:00:00.000001", "4713-11-24 (BC) 00:00:00".
inline std::string TimestampText(int64_t micros) {
  int64_t days = micros / 86400000000LL;
  int64_t rest = micros % 86400000000LL;
  if (rest < 0) rest += 86400000000LL, --days;
  std::string bc;
  std::string date = DateText(days, &bc);
  return date + bc + " " + TimeText(rest);
}

// Shortest round-trip text, as DuckDB prints FLOAT/DOUBLE for the values
// the tests use (no exponent switch involved).
template <typename T>
std::string FloatText(T v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

// BLOB: printable ASCII as is, except " ' and backslash; the rest \xHH.
inline std::string BlobText(const std::string& bytes) {
  static const char* hex = "0123456789ABCDEF";
  std::string s;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c <= 0x7E && c != '"' && c != '\'' && c != '\\') {
      s.push_back(static_cast<char>(c));
    } else {
      s += "\\x";
      s.push_back(hex[c >> 4]);
      s.push_back(hex[c & 15]);
    }
  }
  return s;
}

inline std::string UuidText(const uint8_t* b) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(hex[b[i] >> 4]);
    s.push_back(hex[b[i] & 15]);
  }
  return s;
}

// "[1, NULL]"; elements already in their text form ("NULL" for NULL).
inline std::string ListText(const std::vector<std::string>& elements) {
  std::string s = "[";
  for (size_t i = 0; i < elements.size(); ++i) s += (i ? ", " : "") + elements[i];
  return s + "]";
}

}  // namespace dbexport::parquet::testing
