// Fuzzes the PostgreSQL binary COPY decoder (CopyDecoder) with the column
// plans the type mapping (MapColumn) makes for real column types, then the
// Parquet writer with what it decoded.
//
// Input layout (fuzz/corpus/gen_corpus.py writes seeds in it):
//   byte 0       bit 0: native type mapping (else aws); bits 1..7: bytes of
//                the stream in the first CopyData message (0: all in one)
//   byte 1       column count - 1 (mod 8)
//   3 per column type index into kTypes (bit 7: an array of it),
//                numeric precision, numeric scale
//   the rest     the COPY stream (header, tuples, trailer)

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "batch_check.h"
#include "parquet/column_batch.h"
#include "source/postgres/copy_decoder_internal.h"
#include "source/postgres/type_mapping_internal.h"

namespace dbexport::source::postgres {
namespace {

constexpr uint32_t kTypes[] = {kBoolOid,  kInt2Oid,    kInt4Oid,      kInt8Oid,        kFloat4Oid, kFloat8Oid,
                               kByteaOid, kTextOid,    kVarcharOid,   kBpcharOid,      kNameOid,   kCharOid,
                               kDateOid,  kTimeOid,    kTimestampOid, kTimestamptzOid, kUuidOid,   kJsonOid,
                               kJsonbOid, kNumericOid, kInetOid,      kCidrOid};
constexpr size_t kNumTypes = sizeof kTypes / sizeof kTypes[0];
constexpr uint32_t kArrayOidBase = 100000;  // made-up OIDs of the array types
constexpr int64_t kMaxValueBytes = 1 << 20;

const PgTypeMap& Types() {
  static const PgTypeMap* types = [] {
    auto* m = new PgTypeMap();
    for (size_t i = 0; i < kNumTypes; ++i) {
      PgType t;
      t.oid = kArrayOidBase + static_cast<uint32_t>(i);
      t.name = "_array";
      t.category = 'A';
      t.element = kTypes[i];
      t.in_pg_catalog = true;
      (*m)[t.oid] = t;
    }
    return m;
  }();
  return *types;
}

}  // namespace
}  // namespace dbexport::source::postgres

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dbexport;
  using namespace dbexport::source::postgres;
  if (size < 2) return 0;
  const bool native = data[0] & 1;
  const size_t first_message = data[0] >> 1;
  const int ncols = data[1] % 8 + 1;
  size_t pos = 2;
  if (size < pos + 3 * ncols) return 0;

  std::vector<ColumnPlan> plans;
  parquet::Schema schema;
  for (int i = 0; i < ncols; ++i, pos += 3) {
    const size_t index = (data[pos] & 0x7f) % kNumTypes;
    PgAttribute attr;
    attr.name = "c" + std::to_string(i);
    attr.type_oid = (data[pos] & 0x80) ? kArrayOidBase + static_cast<uint32_t>(index) : kTypes[index];
    if (kTypes[index] == kNumericOid && data[pos + 1] != 0) {
      attr.typmod = ((data[pos + 1] << 16) | data[pos + 2]) + 4;
    }
    MappedColumn m = MapColumn(attr, Types(), native ? source::TypeMapping::kNative : source::TypeMapping::kAws);
    if (!m.exported) return 0;
    plans.push_back(m.plan);
    schema.fields.push_back(m.info.field);
  }

  CopyDecoder decoder(&plans, kMaxValueBytes);
  parquet::ColumnBatch batch(schema);
  const uint8_t* stream = data + pos;
  const size_t stream_size = size - pos;
  const size_t split = first_message == 0 || first_message > stream_size ? stream_size : first_message;
  Status st = decoder.Decode(stream, split, &batch);
  if (st.ok() && split < stream_size) st = decoder.Decode(stream + split, stream_size - split, &batch);
  if (!st.ok()) return 0;  // the reader fails; the batch is discarded
  if (decoder.rows() != batch.num_rows()) {
    std::fprintf(stderr, "decoder counted %lld rows, the batch has %lld\n", static_cast<long long>(decoder.rows()),
                 static_cast<long long>(batch.num_rows()));
    std::abort();
  }
  fuzz::CheckBatch(batch);
  fuzz::WriteBatch(batch);
  return 0;
}
