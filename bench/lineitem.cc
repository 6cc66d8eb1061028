#include "lineitem.h"

#include <cstdio>
#include <cstring>

namespace dbexport::bench {
namespace {

using parquet::Field;
using parquet::LogicalType;
using parquet::PhysicalType;

// TPC-H dbgen constants (specification 4.2.3).
constexpr int32_t kStartDate = 8035;    // 1992-01-01, days since 1970-01-01
constexpr int32_t kEndDate = 10440;     // 1998-08-02 minus 151 days of order span
constexpr int32_t kCurrentDate = 9298;  // 1995-06-17
constexpr int64_t kParts = 200000;
constexpr int64_t kSuppliers = 10000;

const char* const kInstructions[] = {"DELIVER IN PERSON", "COLLECT COD", "NONE",
                                     "TAKE BACK RETURN"};
const char* const kModes[] = {"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"};

// The TPC-H text pool's vocabulary: nouns, verbs, adjectives, adverbs,
// prepositions and auxiliaries (specification 4.2.2.10).
const char* const kWords[] = {
    "foxes", "ideas", "theodolites", "pinto", "beans", "instructions", "dependencies",
    "excuses", "platelets", "asymptotes", "courts", "dolphins", "multipliers", "sauternes",
    "warthogs", "frets", "dinos", "attainments", "somas", "Tiresias'", "patterns", "forges",
    "braids", "hockey", "players", "frays", "warhorses", "dugouts", "notornis", "epitaphs",
    "pearls", "tithes", "waters", "orbits", "gifts", "sheaves", "depths", "sentiments",
    "decoys", "realms", "pains", "grouches", "escapades", "packages", "requests", "accounts",
    "deposits", "sleep", "wake", "are", "cajole", "haggle", "nag", "use", "boost", "affix",
    "detect", "integrate", "maintain", "nod", "was", "lose", "sublate", "solve", "thrash",
    "promise", "engage", "hinder", "print", "x-ray", "breach", "eat", "grow", "impress",
    "mold", "poach", "serve", "run", "dazzle", "snooze", "doze", "unwind", "kindle", "play",
    "hang", "believe", "doubt", "furious", "sly", "careful", "blithe", "quick", "fluffy",
    "slow", "quiet", "ruthless", "thin", "close", "dogged", "daring", "brave", "stealthy",
    "permanent", "enticing", "idle", "busy", "regular", "final", "ironic", "even", "bold",
    "silent", "furiously", "sometimes", "carefully", "blithely", "quickly", "fluffily",
    "slowly", "quietly", "ruthlessly", "thinly", "closely", "doggedly", "daringly",
    "bravely", "stealthily", "permanently", "enticingly", "idly", "busily", "regularly",
    "finally", "ironically", "evenly", "boldly", "silently", "about", "above", "according",
    "across", "after", "against", "along", "alongside", "among", "around", "at", "atop",
    "before", "behind", "beneath", "beside", "besides", "between", "beyond", "by", "despite",
    "during", "except", "for", "from", "inside", "instead", "into", "near", "of", "on",
    "outside", "over", "past", "since", "through", "throughout", "to", "toward", "under",
    "until", "up", "upon", "without", "with", "within", "do", "may", "might", "shall",
    "will", "would", "can", "could", "should", "ought", "must", "the", "slyly", "pending",
    "unusual", "express", "special", "fur"};
constexpr int kWordCount = sizeof(kWords) / sizeof(kWords[0]);

void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  // Howard Hinnant's days_from_civil inverse.
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yy + (*m <= 2));
}

void AppendDate(int32_t days, std::string* out) {
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[16];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  out->append(buf, static_cast<size_t>(n));
}

void AppendTimestamp(int64_t micros, std::string* out) {
  int64_t days = micros / 86400000000LL;
  int64_t rest = micros % 86400000000LL;
  if (rest < 0) rest += 86400000000LL, --days;
  AppendDate(static_cast<int32_t>(days), out);
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, " %02d:%02d:%02d.%06d", static_cast<int>(rest / 3600000000LL),
                        static_cast<int>(rest / 60000000LL % 60), static_cast<int>(rest / 1000000 % 60),
                        static_cast<int>(rest % 1000000));
  out->append(buf, static_cast<size_t>(n));
}

void AppendDecimal2(int64_t unscaled, std::string* out) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%s%lld.%02lld", unscaled < 0 ? "-" : "",
                        static_cast<long long>((unscaled < 0 ? -unscaled : unscaled) / 100),
                        static_cast<long long>((unscaled < 0 ? -unscaled : unscaled) % 100));
  out->append(buf, static_cast<size_t>(n));
}

Field Make(const char* name, PhysicalType type, LogicalType logical) {
  Field f;
  f.name = name;
  f.type = type;
  f.logical = logical;
  return f;
}

}  // namespace

struct LineitemGenerator::Row {
  int64_t orderkey, partkey, suppkey;
  int32_t linenumber;
  int64_t quantity, extendedprice, discount, tax;  // DECIMAL(15,2) unscaled
  char returnflag, linestatus;
  int32_t shipdate, commitdate, receiptdate;
  const char* shipinstruct;
  const char* shipmode;
  std::string comment;
  int64_t created;  // microseconds since 1970-01-01
  bool has_note;
  std::string note;
};

LineitemGenerator::LineitemGenerator(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}

uint64_t LineitemGenerator::Random() {
  // splitmix64
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t LineitemGenerator::Uniform(int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(Random() % static_cast<uint64_t>(hi - lo + 1));
}

void LineitemGenerator::Text(int min_len, int max_len, std::string* out) {
  out->clear();
  auto target = static_cast<size_t>(Uniform(min_len, max_len));
  while (out->size() < target) {
    if (!out->empty()) out->push_back(' ');
    out->append(kWords[Random() % kWordCount]);
  }
  out->resize(target);
  while (!out->empty() && out->back() == ' ') out->pop_back();
}

void LineitemGenerator::Next(Row* r) {
  if (line_ == lines_in_order_) {
    ++order_index_;
    lines_in_order_ = static_cast<int>(Uniform(1, 7));
    line_ = 0;
    order_date_ = static_cast<int32_t>(Uniform(kStartDate, kEndDate));
  }
  ++line_;
  ++row_;
  // dbgen leaves gaps: 8 keys used out of every 32.
  r->orderkey = order_index_ / 8 * 32 + order_index_ % 8 + 1;
  r->partkey = Uniform(1, kParts);
  r->suppkey = (r->partkey + Uniform(0, 3) * (kSuppliers / 4 + (r->partkey - 1) / kSuppliers)) %
                   kSuppliers + 1;
  r->linenumber = line_;
  int64_t quantity = Uniform(1, 50);
  int64_t retail_cents = 90000 + (r->partkey / 10) % 20001 + 100 * (r->partkey % 1000);
  r->quantity = quantity * 100;
  r->extendedprice = quantity * retail_cents;
  r->discount = Uniform(0, 10);
  r->tax = Uniform(0, 8);
  r->shipdate = order_date_ + static_cast<int32_t>(Uniform(1, 121));
  r->commitdate = order_date_ + static_cast<int32_t>(Uniform(30, 90));
  r->receiptdate = r->shipdate + static_cast<int32_t>(Uniform(1, 30));
  r->returnflag = r->receiptdate <= kCurrentDate ? (Random() & 1 ? 'R' : 'A') : 'N';
  r->linestatus = r->shipdate > kCurrentDate ? 'O' : 'F';
  r->shipinstruct = kInstructions[Random() % 4];
  r->shipmode = kModes[Random() % 7];
  Text(10, 43, &r->comment);
  r->created = static_cast<int64_t>(order_date_) * 86400000000LL + Uniform(0, 86400000000LL - 1);
  r->has_note = Random() % 10 != 0;
  if (r->has_note) {
    Text(100, 200, &r->note);
  } else {
    r->note.clear();
  }
}

const parquet::Schema& LineitemGenerator::Schema() {
  static const parquet::Schema schema = [] {
    parquet::Schema s;
    auto i64 = LogicalType::None();
    auto dec = LogicalType::Decimal(15, 2);
    auto str = LogicalType::String();
    auto date = LogicalType::Date();
    s.fields = {
        Make("l_orderkey", PhysicalType::kInt64, i64),
        Make("l_partkey", PhysicalType::kInt64, i64),
        Make("l_suppkey", PhysicalType::kInt64, i64),
        Make("l_linenumber", PhysicalType::kInt32, LogicalType::None()),
        Make("l_quantity", PhysicalType::kInt64, dec),
        Make("l_extendedprice", PhysicalType::kInt64, dec),
        Make("l_discount", PhysicalType::kInt64, dec),
        Make("l_tax", PhysicalType::kInt64, dec),
        Make("l_returnflag", PhysicalType::kByteArray, str),
        Make("l_linestatus", PhysicalType::kByteArray, str),
        Make("l_shipdate", PhysicalType::kInt32, date),
        Make("l_commitdate", PhysicalType::kInt32, date),
        Make("l_receiptdate", PhysicalType::kInt32, date),
        Make("l_shipinstruct", PhysicalType::kByteArray, str),
        Make("l_shipmode", PhysicalType::kByteArray, str),
        Make("l_comment", PhysicalType::kByteArray, str),
        Make("l_created", PhysicalType::kInt64, LogicalType::Timestamp(false)),
        Make("l_note", PhysicalType::kByteArray, str),
    };
    return s;
  }();
  return schema;
}

std::string LineitemGenerator::DuckDbColumns() {
  return "{'l_orderkey': 'BIGINT', 'l_partkey': 'BIGINT', 'l_suppkey': 'BIGINT', "
         "'l_linenumber': 'INTEGER', 'l_quantity': 'DECIMAL(15,2)', "
         "'l_extendedprice': 'DECIMAL(15,2)', 'l_discount': 'DECIMAL(15,2)', "
         "'l_tax': 'DECIMAL(15,2)', 'l_returnflag': 'VARCHAR', 'l_linestatus': 'VARCHAR', "
         "'l_shipdate': 'DATE', 'l_commitdate': 'DATE', 'l_receiptdate': 'DATE', "
         "'l_shipinstruct': 'VARCHAR', 'l_shipmode': 'VARCHAR', 'l_comment': 'VARCHAR', "
         "'l_created': 'TIMESTAMP', 'l_note': 'VARCHAR'}";
}

std::string LineitemGenerator::PostgresCreateTable(const std::string& table) {
  return "CREATE TABLE " + table +
         " (l_orderkey bigint, l_partkey bigint, l_suppkey bigint, l_linenumber int, "
         "l_quantity decimal(15,2), l_extendedprice decimal(15,2), l_discount decimal(15,2), "
         "l_tax decimal(15,2), l_returnflag char(1), l_linestatus char(1), l_shipdate date, "
         "l_commitdate date, l_receiptdate date, l_shipinstruct varchar(25), "
         "l_shipmode varchar(10), l_comment varchar(44), l_created timestamp, l_note text)";
}

void LineitemGenerator::Fill(int64_t rows, parquet::ColumnBatch* batch) {
  batch->Clear();
  Row r;
  for (int64_t i = 0; i < rows; ++i) {
    Next(&r);
    batch->column(0).AppendFixed(r.orderkey);
    batch->column(1).AppendFixed(r.partkey);
    batch->column(2).AppendFixed(r.suppkey);
    batch->column(3).AppendFixed(r.linenumber);
    batch->column(4).AppendFixed(r.quantity);
    batch->column(5).AppendFixed(r.extendedprice);
    batch->column(6).AppendFixed(r.discount);
    batch->column(7).AppendFixed(r.tax);
    batch->column(8).AppendBytes(&r.returnflag, 1);
    batch->column(9).AppendBytes(&r.linestatus, 1);
    batch->column(10).AppendFixed(r.shipdate);
    batch->column(11).AppendFixed(r.commitdate);
    batch->column(12).AppendFixed(r.receiptdate);
    batch->column(13).AppendBytes(r.shipinstruct, std::strlen(r.shipinstruct));
    batch->column(14).AppendBytes(r.shipmode, std::strlen(r.shipmode));
    batch->column(15).AppendBytes(r.comment);
    batch->column(16).AppendFixed(r.created);
    batch->column(17).valid.push_back(r.has_note ? 1 : 0);
    batch->column(17).AppendBytes(r.note);
  }
  batch->set_num_rows(rows);
}

void LineitemGenerator::AppendCsv(int64_t rows, std::string* out) {
  // The word pool has no commas, quotes or newlines: no quoting needed.
  AppendDelimited(rows, ',', "", out);
}

void LineitemGenerator::AppendPostgresText(int64_t rows, std::string* out) {
  // The word pool has no backslashes, tabs or newlines: no escaping needed.
  AppendDelimited(rows, '\t', "\\N", out);
}

void LineitemGenerator::AppendDelimited(int64_t rows, char sep, std::string_view null_text,
                                        std::string* out) {
  Row r;
  for (int64_t i = 0; i < rows; ++i) {
    Next(&r);
    *out += std::to_string(r.orderkey) + sep + std::to_string(r.partkey) + sep +
            std::to_string(r.suppkey) + sep + std::to_string(r.linenumber) + sep;
    for (int64_t d : {r.quantity, r.extendedprice, r.discount, r.tax}) {
      AppendDecimal2(d, out);
      out->push_back(sep);
    }
    out->push_back(r.returnflag);
    out->push_back(sep);
    out->push_back(r.linestatus);
    out->push_back(sep);
    for (int32_t d : {r.shipdate, r.commitdate, r.receiptdate}) {
      AppendDate(d, out);
      out->push_back(sep);
    }
    *out += std::string(r.shipinstruct) + sep + r.shipmode + sep + r.comment + sep;
    AppendTimestamp(r.created, out);
    out->push_back(sep);
    if (r.has_note) *out += r.note;
    else *out += null_text;
    out->push_back('\n');
  }
}

}  // namespace dbexport::bench
