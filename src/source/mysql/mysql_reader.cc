// Reading a chunk: a streaming SELECT on a leased reader session, each
// row's text values decoded into the batch's columns.

#include <charconv>
#include <cstring>

#include "source/mysql/mysql_source_internal.h"

namespace dbexport::source::mysql {
namespace {

bool ParseInt(const char* p, size_t n, int64_t* out) {
  auto [end, ec] = std::from_chars(p, p + n, *out);
  return ec == std::errc() && end == p + n;
}

// "-123.450" at scale s -> -123450 (digits beyond s are not expected: the
// server prints exactly the column's scale). False when the value has more
// than `precision` (at most 38) significant digits, which also keeps it
// within __int128.
bool ParseDecimal(const char* p, size_t n, int precision, int scale, __int128* out) {
  bool negative = n > 0 && p[0] == '-';
  size_t i = negative ? 1 : 0;
  __int128 v = 0;
  int digits = 0;  // significant digits of v
  int fraction = -1;
  for (; i < n; ++i) {
    if (p[i] == '.') {
      if (fraction >= 0) return false;
      fraction = 0;
      continue;
    }
    if (p[i] < '0' || p[i] > '9') return false;
    if (v != 0 || p[i] != '0') ++digits;
    if (digits > precision) return false;
    v = v * 10 + (p[i] - '0');
    if (fraction >= 0) ++fraction;
  }
  if (fraction < 0) fraction = 0;
  if (fraction > scale) return false;
  for (; fraction < scale; ++fraction) {
    if (v != 0 && ++digits > precision) return false;
    v *= 10;
  }
  *out = negative ? -v : v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(const char* p, int n, int* out) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
    v = v * 10 + (p[i] - '0');
  }
  *out = v;
  return true;
}

bool IsValidDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m != 2 || d <= 28 || leap;
}

// 'YYYY-MM-DD': days since the epoch. A zero or impossible date is no date.
bool ParseDate(const char* p, size_t n, int64_t* days) {
  int y, m, d;
  if (n < 10 || p[4] != '-' || p[7] != '-' || !Digits(p, 4, &y) || !Digits(p + 5, 2, &m) || !Digits(p + 8, 2, &d)) {
    return false;
  }
  if (!IsValidDate(y, m, d)) return false;
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

// 'hh:mm:ss[.ffffff]' within a day: microseconds since midnight.
bool ParseTimeOfDay(const char* p, size_t n, int64_t* micros) {
  int h, mi, s;
  if (n < 8 || p[2] != ':' || p[5] != ':' || !Digits(p, 2, &h) || !Digits(p + 3, 2, &mi) || !Digits(p + 6, 2, &s)) {
    return false;
  }
  if (h > 23 || mi > 59 || s > 59) return false;
  int64_t fraction = 0;
  if (n > 8) {
    if (p[8] != '.' || n > 15) return false;
    int digits = static_cast<int>(n - 9);
    int f;
    if (!Digits(p + 9, digits, &f)) return false;
    fraction = f;
    for (int i = digits; i < 6; ++i) fraction *= 10;
  }
  *micros = ((h * 60 + mi) * 60 + s) * 1'000'000ll + fraction;
  return true;
}

void AppendDecimalBytes(__int128 v, int width, parquet::Column* column) {
  uint8_t bytes[16];
  for (int i = width - 1; i >= 0; --i) {
    bytes[i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;  // arithmetic shift: two's complement, sign-extended
  }
  column->AppendFixedBytes(bytes, static_cast<size_t>(width));
}

// The 16 bytes of a UUID in its text form (hex digits, dashes after the
// 8th, 12th, 16th and 20th); false for any other text.
bool ParseUuid(const char* p, size_t n, uint8_t out[16]) {
  constexpr size_t kUuidTextLength = 36;
  if (n != kUuidTextLength) return false;
  int nibbles = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (p[i] != '-') return false;
      continue;
    }
    char c = p[i];
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0) return false;
    if (nibbles % 2 == 0) {
      out[nibbles / 2] = static_cast<uint8_t>(v << 4);
    } else {
      out[nibbles / 2] |= static_cast<uint8_t>(v);
    }
    ++nibbles;
  }
  return nibbles == 32;
}

class MySqlChunkReader : public ChunkReader {
 public:
  MySqlChunkReader(MySqlSnapshot* snapshot, std::unique_ptr<MySqlConnection> session, MYSQL_RES* result,
                   const std::vector<ColumnPlan>* plans, std::string context, const SourceOptions& options,
                   const CancelFlag* cancel)
      : snapshot_(snapshot),
        session_(std::move(session)),
        result_(result),
        plans_(plans),
        context_(std::move(context)),
        batch_rows_(options.batch_rows),
        batch_bytes_(options.batch_bytes),
        max_value_bytes_(options.max_value_bytes),
        cancel_(cancel),
        thread_id_(session_->thread_id()),
        unrepresentable_(plans->size(), 0) {}

  ~MySqlChunkReader() override {
    snapshot_->Unwatch(thread_id_);
    if (result_ != nullptr) {
      // Left mid-result: the session cannot run another command until the
      // rest is read; it is closed instead (its snapshot goes with it).
      mysql_free_result(result_);
      session_.reset();
    }
    snapshot_->Return(std::move(session_));
  }

  Result<bool> Next(parquet::ColumnBatch* batch) override {
    batch->Clear();
    if (result_ == nullptr) return false;
    if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) return Cancelled(context_ + ": cancelled");
    const size_t n = plans_->size();
    int64_t bytes = 0;
    while (batch->num_rows() < batch_rows_ && bytes < batch_bytes_) {
      MYSQL_ROW row = mysql_fetch_row(result_);
      if (row == nullptr) {
        bytes_read_ += bytes;
        Status st = mysql_errno(session_->get()) != 0 ? session_->LastError(context_ + ": reading rows") : Status::OK();
        if (!st.ok() && cancel_ != nullptr && cancel_->load()) st = Cancelled(context_ + ": cancelled");
        mysql_free_result(result_);
        result_ = nullptr;
        if (!st.ok()) {
          session_.reset();
          return st;
        }
        return batch->num_rows() > 0;
      }
      const unsigned long* lengths = mysql_fetch_lengths(result_);
      Status st = AppendRow(*plans_, row, lengths, max_value_bytes_, batch, &unrepresentable_);
      if (!st.ok()) return Status(st.code(), context_ + ": " + st.message());
      for (size_t i = 0; i < n; ++i) bytes += static_cast<int64_t>(lengths[i]);
    }
    bytes_read_ += bytes;
    return true;
  }

  int64_t bytes_read() const override { return bytes_read_; }

  std::vector<std::string> warnings() const override {
    std::vector<std::string> out;
    for (size_t i = 0; i < plans_->size(); ++i) {
      if (unrepresentable_[i] == 0) continue;
      out.push_back("column \"" + (*plans_)[i].name + "\": " + std::to_string(unrepresentable_[i]) +
                    " values its type cannot hold (zero or invalid dates, times beyond a day) exported as NULL");
    }
    return out;
  }

 private:
  MySqlSnapshot* snapshot_;
  std::unique_ptr<MySqlConnection> session_;
  MYSQL_RES* result_;
  const std::vector<ColumnPlan>* plans_;
  std::string context_;
  int64_t batch_rows_;
  int64_t batch_bytes_;
  int64_t max_value_bytes_;
  const CancelFlag* cancel_;
  unsigned long thread_id_;
  int64_t bytes_read_ = 0;
  std::vector<int64_t> unrepresentable_;
};

}  // namespace

bool AppendValue(const ColumnPlan& plan, const char* p, size_t n, parquet::Column* column) {
  switch (plan.reader) {
    case ValueReader::kInt32: {
      int64_t v;
      if (!ParseInt(p, n, &v) || v < INT32_MIN || v > INT32_MAX) return false;
      column->AppendFixed<int32_t>(static_cast<int32_t>(v));
      return true;
    }
    case ValueReader::kInt64: {
      int64_t v;
      if (!ParseInt(p, n, &v)) return false;
      column->AppendFixed<int64_t>(v);
      return true;
    }
    case ValueReader::kUInt32: {
      uint64_t v;
      auto [end, ec] = std::from_chars(p, p + n, v);
      if (ec != std::errc() || end != p + n || v > UINT32_MAX) return false;
      column->AppendFixed<int32_t>(static_cast<int32_t>(static_cast<uint32_t>(v)));
      return true;
    }
    case ValueReader::kUInt64: {
      uint64_t v;
      auto [end, ec] = std::from_chars(p, p + n, v);
      if (ec != std::errc() || end != p + n) return false;
      column->AppendFixed<int64_t>(static_cast<int64_t>(v));
      return true;
    }
    case ValueReader::kUnsignedBig: {
      uint64_t v;
      auto [end, ec] = std::from_chars(p, p + n, v);
      if (ec != std::errc() || end != p + n) return false;
      AppendDecimalBytes(static_cast<__int128>(v), 9, column);
      return true;
    }
    case ValueReader::kUuid: {
      uint8_t bytes[16];
      if (!ParseUuid(p, n, bytes)) return false;
      column->AppendFixedBytes(bytes, sizeof bytes);
      return true;
    }
    case ValueReader::kDecimal32:
    case ValueReader::kDecimal64:
    case ValueReader::kDecimalFixed: {
      __int128 v;
      if (!ParseDecimal(p, n, plan.precision, plan.scale, &v)) return false;
      if (plan.reader == ValueReader::kDecimal32) {
        column->AppendFixed<int32_t>(static_cast<int32_t>(v));
      } else if (plan.reader == ValueReader::kDecimal64) {
        column->AppendFixed<int64_t>(static_cast<int64_t>(v));
      } else {
        AppendDecimalBytes(v, plan.width, column);
      }
      return true;
    }
    case ValueReader::kDouble: {
      double v;
      auto [end, ec] = std::from_chars(p, p + n, v);
      if (ec != std::errc() || end != p + n) return false;
      column->AppendFixed<double>(v);
      return true;
    }
    case ValueReader::kTimestamp: {
      int64_t days, micros;
      if (n < 19 || p[10] != ' ' || !ParseDate(p, 10, &days) || !ParseTimeOfDay(p + 11, n - 11, &micros)) {
        return false;
      }
      column->AppendFixed<int64_t>(days * 86'400'000'000ll + micros);
      return true;
    }
    case ValueReader::kDate: {
      int64_t days;
      if (n != 10 || !ParseDate(p, n, &days)) return false;
      column->AppendFixed<int32_t>(static_cast<int32_t>(days));
      return true;
    }
    case ValueReader::kTime: {
      int64_t micros;
      if (!ParseTimeOfDay(p, n, &micros)) return false;
      column->AppendFixed<int64_t>(micros);
      return true;
    }
    case ValueReader::kBytes:
      column->AppendBytes(p, n);
      return true;
  }
  return false;
}

Status AppendRow(const std::vector<ColumnPlan>& plans, const char* const* values, const unsigned long* lengths,
                 int64_t max_value_bytes, parquet::ColumnBatch* batch, std::vector<int64_t>* unrepresentable) {
  for (size_t i = 0; i < plans.size(); ++i) {
    parquet::Column& column = batch->column(static_cast<int>(i));
    const ColumnPlan& plan = plans[i];
    if (values[i] != nullptr && static_cast<int64_t>(lengths[i]) > max_value_bytes) {
      return Status(StatusCode::kResourceExhausted,
                    "column \"" + plan.name + "\" holds a value of " + std::to_string(lengths[i]) +
                        " bytes, close to or above the 500 MB limit for a value");
    }
    bool present = values[i] != nullptr && AppendValue(plan, values[i], lengths[i], &column);
    if (values[i] != nullptr && !present) ++(*unrepresentable)[i];
    if (!present) {
      // The NULL's slot keeps the column's values dense (column_batch.h).
      int width = parquet::FixedValueWidth(batch->schema().fields[i]);
      if (width == 0) {
        column.offsets.push_back(static_cast<int64_t>(column.data.size()));
      } else {
        column.fixed.resize(column.fixed.size() + static_cast<size_t>(width));
      }
    }
    column.valid.push_back(present ? 1 : 0);
  }
  batch->set_num_rows(batch->num_rows() + 1);
  return Status::OK();
}

Result<std::unique_ptr<ChunkReader>> MySqlSnapshot::OpenChunk(const TableInfo& table, const Chunk& chunk,
                                                              const parquet::Schema* schema, const CancelFlag* cancel) {
  const TableEntry* entry = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tables_.find(table.target());
    if (it == tables_.end()) {
      return FailedPrecondition("table " + table.target() + " was not listed by ListTables() of this snapshot");
    }
    entry = &it->second;  // entries are never erased while the snapshot lives
  }
  const std::string context = "reading rows";
  if (schema == nullptr || schema->fields.size() != entry->plans.size()) {
    return InvalidArgument(context + ": the Parquet schema does not match the table's exported columns");
  }
  std::string sql = "SELECT ";
  for (size_t i = 0; i < entry->plans.size(); ++i) sql += (i ? ", " : "") + entry->plans[i].select_expr;
  sql += " FROM " + entry->qualified;
  if (!chunk.predicate.empty()) sql += " WHERE " + chunk.predicate;

  std::unique_ptr<MySqlConnection> session = Lease();
  if (session == nullptr) {
    return Aborted(context + ": every reader session of the snapshot was lost; export again");
  }
  const unsigned long thread_id = session->thread_id();
  Watch(thread_id, cancel);
  Result<MYSQL_RES*> result = session->StreamQuery(sql, context);
  if (!result.ok()) {
    Unwatch(thread_id);
    bool lost = mysql_errno(session->get()) >= 2000;
    Return(lost ? nullptr : std::move(session));
    if (cancel != nullptr && cancel->load()) return Cancelled(context + ": cancelled");
    return result.status();
  }
  return std::unique_ptr<ChunkReader>(std::make_unique<MySqlChunkReader>(
      this, std::move(session), *result, &entry->plans, context, options_, cancel));
}

Result<int64_t> MySqlSnapshot::CountRows(const TableInfo& table) {
  const std::string context = "counting the rows of " + table.target() + " on the snapshot";
  std::string qualified;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tables_.find(table.target());
    if (it == tables_.end()) {
      return FailedPrecondition("table " + table.target() + " was not listed by ListTables() of this snapshot");
    }
    qualified = it->second.qualified;
  }
  std::unique_ptr<MySqlConnection> session = Lease();
  if (session == nullptr) {
    return Aborted(context + ": every reader session of the snapshot was lost; export again");
  }
  Result<std::vector<MySqlRow>> rows = session->Query("SELECT COUNT(*) FROM " + qualified, context);
  bool lost = !rows.ok() && mysql_errno(session->get()) >= 2000;
  Return(lost ? nullptr : std::move(session));
  DBX_RETURN_IF_ERROR(rows.status());
  if (rows->size() != 1 || rows->front().empty() || !rows->front()[0]) {
    return Internal(context + ": COUNT(*) returned no value");
  }
  const std::string& text = *rows->front()[0];
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Internal(context + ": COUNT(*) returned '" + text + "'");
  }
  return n;
}

}  // namespace dbexport::source::mysql
