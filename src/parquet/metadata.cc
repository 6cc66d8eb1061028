#include "parquet/metadata_internal.h"

#include "parquet/thrift_compact_internal.h"

namespace dbexport::parquet {
namespace {

using TType = ThriftCompactWriter::Type;

// parquet.thrift `FieldRepetitionType`.
constexpr int32_t kRequired = 0;
constexpr int32_t kOptional = 1;
constexpr int32_t kRepeated = 2;

// parquet.thrift `ConvertedType`.
enum ConvertedType : int32_t {
  kUtf8 = 0,
  kList = 3,
  kEnum = 4,
  kDecimal = 5,
  kDate = 6,
  kTimeMicros = 8,
  kTimestampMicros = 10,
  kUint8 = 11,
  kInt8 = 15,
  kJson = 19,
};

// parquet.thrift `LogicalType` union members.
enum LogicalTypeId : int16_t {
  kLtString = 1,
  kLtList = 3,
  kLtEnum = 4,
  kLtDecimal = 5,
  kLtDate = 6,
  kLtTime = 7,
  kLtTimestamp = 8,
  kLtInteger = 10,
  kLtJson = 12,
  kLtUuid = 14,
};

// TimeUnit union member MICROS.
constexpr int16_t kTimeUnitMicros = 2;

void WriteStatistics(ThriftCompactWriter& w, const EncodedStats& s) {
  if (s.has_min_max && s.signed_order) {
    w.Binary(1, s.max);  // deprecated max: signed orders only, before min
    w.Binary(2, s.min);
  }
  w.I64(3, s.null_count);
  if (s.has_min_max) {
    w.Binary(5, s.max);
    w.Binary(6, s.min);
    w.Bool(7, s.max_exact);
    w.Bool(8, s.min_exact);
  }
  if (s.has_nan_count) w.I64(9, s.nan_count);
}

// The legacy ConvertedType written beside each LogicalType: most readers
// (DuckDB among them) still decide types from it; -1 when there is none.
int32_t ConvertedTypeOf(const LogicalType& lt) {
  switch (lt.kind) {
    case LogicalKind::kString: return kUtf8;
    case LogicalKind::kEnum: return kEnum;
    case LogicalKind::kJson: return kJson;
    case LogicalKind::kDecimal: return kDecimal;
    case LogicalKind::kDate: return kDate;
    case LogicalKind::kTime: return kTimeMicros;
    case LogicalKind::kTimestamp: return kTimestampMicros;
    case LogicalKind::kInt: {
      int step = lt.bit_width == 8 ? 0 : lt.bit_width == 16 ? 1 : lt.bit_width == 32 ? 2 : 3;
      return (lt.is_signed ? kInt8 : kUint8) + step;
    }
    case LogicalKind::kNone:
    case LogicalKind::kUuid:
      return -1;  // UUID has no ConvertedType
  }
  return -1;
}

void WriteLogicalType(ThriftCompactWriter& w, const LogicalType& lt) {
  if (lt.kind == LogicalKind::kNone) return;
  w.BeginStruct(10);
  switch (lt.kind) {
    case LogicalKind::kString: w.EmptyStruct(kLtString); break;
    case LogicalKind::kEnum: w.EmptyStruct(kLtEnum); break;
    case LogicalKind::kJson: w.EmptyStruct(kLtJson); break;
    case LogicalKind::kUuid: w.EmptyStruct(kLtUuid); break;
    case LogicalKind::kDate: w.EmptyStruct(kLtDate); break;
    case LogicalKind::kDecimal:
      w.BeginStruct(kLtDecimal);
      w.I32(1, lt.scale);
      w.I32(2, lt.precision);
      w.EndStruct();
      break;
    case LogicalKind::kTime:
    case LogicalKind::kTimestamp:
      w.BeginStruct(lt.kind == LogicalKind::kTime ? kLtTime : kLtTimestamp);
      w.Bool(1, lt.adjusted_to_utc);
      w.BeginStruct(2);
      w.EmptyStruct(kTimeUnitMicros);
      w.EndStruct();
      w.EndStruct();
      break;
    case LogicalKind::kInt:
      w.BeginStruct(kLtInteger);
      w.I8(1, static_cast<int8_t>(lt.bit_width));
      w.Bool(2, lt.is_signed);
      w.EndStruct();
      break;
    case LogicalKind::kNone:
      break;
  }
  w.EndStruct();
}

void WriteLeafElement(ThriftCompactWriter& w, const Field& f, const std::string& name,
                      int32_t repetition, int32_t field_id) {
  w.BeginElementStruct();
  w.I32(1, static_cast<int32_t>(f.type));
  if (f.type == PhysicalType::kFixedLenByteArray) w.I32(2, f.type_length);
  w.I32(3, repetition);
  w.Binary(4, name);
  int32_t converted = ConvertedTypeOf(f.logical);
  if (converted >= 0) w.I32(6, converted);
  if (f.logical.kind == LogicalKind::kDecimal) {
    w.I32(7, f.logical.scale);
    w.I32(8, f.logical.precision);
  }
  w.I32(9, field_id);
  WriteLogicalType(w, f.logical);
  w.EndStruct();
}

// field_id < 0: none.
void WriteGroupElement(ThriftCompactWriter& w, const std::string& name, int32_t repetition,
                       int32_t num_children, bool is_list, int32_t field_id = -1) {
  w.BeginElementStruct();
  if (repetition >= 0) w.I32(3, repetition);
  w.Binary(4, name);
  w.I32(5, num_children);
  if (is_list) {
    w.I32(6, kList);
  }
  if (field_id >= 0) w.I32(9, field_id);
  if (is_list) {
    w.BeginStruct(10);
    w.EmptyStruct(kLtList);
    w.EndStruct();
  }
  w.EndStruct();
}

void WriteColumnChunk(ThriftCompactWriter& w, const ColumnChunkMeta& c) {
  w.BeginElementStruct();
  w.I64(2, 0);  // file_offset: deprecated, 0 when metadata lives only in the footer
  w.BeginStruct(3);
  w.I32(1, static_cast<int32_t>(c.type));
  w.BeginList(2, TType::kI32, static_cast<int64_t>(c.encodings.size()));
  for (Encoding e : c.encodings) w.ElementI32(static_cast<int32_t>(e));
  w.BeginList(3, TType::kBinary, static_cast<int64_t>(c.path_in_schema.size()));
  for (const auto& p : c.path_in_schema) w.ElementBinary(p);
  w.I32(4, static_cast<int32_t>(c.codec));
  w.I64(5, c.num_values);
  w.I64(6, c.total_uncompressed_size);
  w.I64(7, c.total_compressed_size);
  w.I64(9, c.data_page_offset);
  if (c.dictionary_page_offset >= 0) w.I64(11, c.dictionary_page_offset);
  w.BeginStruct(12);
  WriteStatistics(w, c.statistics);
  w.EndStruct();
  w.BeginList(13, TType::kStruct, static_cast<int64_t>(c.encoding_stats.size()));
  for (const auto& s : c.encoding_stats) {
    w.BeginElementStruct();
    w.I32(1, static_cast<int32_t>(s.page_type));
    w.I32(2, static_cast<int32_t>(s.encoding));
    w.I32(3, s.count);
    w.EndStruct();
  }
  w.EndStruct();  // ColumnMetaData
  if (c.offset_index_offset >= 0) {
    w.I64(4, c.offset_index_offset);
    w.I32(5, c.offset_index_length);
  }
  if (c.column_index_offset >= 0) {
    w.I64(6, c.column_index_offset);
    w.I32(7, c.column_index_length);
  }
  w.EndStruct();
}

}  // namespace

std::vector<std::string> LeafPath(const Field& field) {
  if (field.is_list) return {field.name, "list", "element"};
  return {field.name};
}

void AppendDataPageHeader(int32_t uncompressed_size, int32_t compressed_size, int32_t num_values,
                          Encoding encoding, ByteBuffer* out) {
  ThriftCompactWriter w(out);
  w.I32(1, static_cast<int32_t>(PageType::kDataPage));
  w.I32(2, uncompressed_size);
  w.I32(3, compressed_size);
  w.BeginStruct(5);
  w.I32(1, num_values);
  w.I32(2, static_cast<int32_t>(encoding));
  w.I32(3, static_cast<int32_t>(Encoding::kRle));
  w.I32(4, static_cast<int32_t>(Encoding::kRle));
  w.EndStruct();
  w.Finish();
}

void AppendDictionaryPageHeader(int32_t uncompressed_size, int32_t compressed_size,
                                int32_t num_entries, ByteBuffer* out) {
  ThriftCompactWriter w(out);
  w.I32(1, static_cast<int32_t>(PageType::kDictionaryPage));
  w.I32(2, uncompressed_size);
  w.I32(3, compressed_size);
  w.BeginStruct(7);
  w.I32(1, num_entries);
  w.I32(2, static_cast<int32_t>(Encoding::kPlain));
  w.EndStruct();
  w.Finish();
}

void AppendColumnIndex(const std::vector<PageIndexEntry>& pages, BoundaryOrder order,
                       ByteBuffer* out) {
  ThriftCompactWriter w(out);
  auto n = static_cast<int64_t>(pages.size());
  w.BeginList(1, TType::kBoolTrue, n);
  for (const auto& p : pages) w.ElementBool(p.null_page);
  w.BeginList(2, TType::kBinary, n);
  for (const auto& p : pages) w.ElementBinary(p.null_page ? std::string_view() : p.min);
  w.BeginList(3, TType::kBinary, n);
  for (const auto& p : pages) w.ElementBinary(p.null_page ? std::string_view() : p.max);
  w.I32(4, static_cast<int32_t>(order));
  w.BeginList(5, TType::kI64, n);
  for (const auto& p : pages) w.ElementI64(p.null_count);
  w.Finish();
}

void AppendOffsetIndex(const std::vector<PageLocation>& pages, ByteBuffer* out) {
  ThriftCompactWriter w(out);
  w.BeginList(1, TType::kStruct, static_cast<int64_t>(pages.size()));
  for (const auto& p : pages) {
    w.BeginElementStruct();
    w.I64(1, p.offset);
    w.I32(2, p.compressed_page_size);
    w.I64(3, p.first_row_index);
    w.EndStruct();
  }
  w.Finish();
}

void AppendFileMetaData(const Schema& schema, const std::vector<RowGroupMeta>& row_groups,
                        int64_t num_rows, const std::string& created_by, ByteBuffer* out) {
  ThriftCompactWriter w(out);
  w.I32(1, 1);  // version

  int64_t elements = 1;
  for (const Field& f : schema.fields) elements += f.is_list ? 3 : 1;
  w.BeginList(2, TType::kStruct, elements);
  WriteGroupElement(w, "schema", -1, static_cast<int32_t>(schema.fields.size()), false);
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    const Field& f = schema.fields[i];
    int32_t repetition = f.nullable ? kOptional : kRequired;
    if (!f.is_list) {
      WriteLeafElement(w, f, f.name, repetition, FieldId(i));
      continue;
    }
    WriteGroupElement(w, f.name, repetition, 1, true, FieldId(i));
    WriteGroupElement(w, "list", kRepeated, 1, false);
    WriteLeafElement(w, f, "element", f.element_nullable ? kOptional : kRequired,
                     ElementFieldId(schema, i));
  }

  w.I64(3, num_rows);
  w.BeginList(4, TType::kStruct, static_cast<int64_t>(row_groups.size()));
  for (size_t i = 0; i < row_groups.size(); ++i) {
    const RowGroupMeta& rg = row_groups[i];
    w.BeginElementStruct();
    w.BeginList(1, TType::kStruct, static_cast<int64_t>(rg.columns.size()));
    for (const auto& c : rg.columns) WriteColumnChunk(w, c);
    w.I64(2, rg.total_byte_size);
    w.I64(3, rg.num_rows);
    w.I64(5, rg.file_offset);
    w.I64(6, rg.total_compressed_size);
    if (i <= 0x7FFF) w.I16(7, static_cast<int16_t>(i));  // ordinal is an i16
    w.EndStruct();
  }
  w.Binary(6, created_by);
  w.BeginList(7, TType::kStruct, static_cast<int64_t>(schema.fields.size()));
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    w.BeginElementStruct();
    w.EmptyStruct(1);  // TYPE_ORDER: TypeDefinedOrder
    w.EndStruct();
  }
  w.Finish();
}

}  // namespace dbexport::parquet
