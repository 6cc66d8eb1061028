// Iceberg v2 metadata: one unpartitioned table, one append snapshot, one
// manifest listing every data file with its metrics (Iceberg table spec,
// "Manifests", "Manifest Lists", "Table Metadata").

#include <nlohmann/json.hpp>

#include "common/uuid.h"
#include "lake/avro_file_internal.h"
#include "lake/iceberg_internal.h"

namespace dbexport::lake {

namespace {

using json = nlohmann::ordered_json;

#define DBX_MAP_FIELD(name, id, key_id, value_id, value_type)                                          \
  "{\"name\":\"" name "\",\"type\":[\"null\",{\"type\":\"array\",\"logicalType\":\"map\",\"items\":{" \
  "\"type\":\"record\",\"name\":\"k" #key_id "_v" #value_id "\",\"fields\":["                         \
  "{\"name\":\"key\",\"type\":\"int\",\"field-id\":" #key_id "},"                                    \
  "{\"name\":\"value\",\"type\":\"" value_type "\",\"field-id\":" #value_id "}]}}],"                   \
  "\"default\":null,\"field-id\":" #id "}"

}  // namespace

const char kManifestEntrySchema[] =
    "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":["
    "{\"name\":\"status\",\"type\":\"int\",\"field-id\":0},"
    "{\"name\":\"snapshot_id\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":1},"
    "{\"name\":\"sequence_number\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":3},"
    "{\"name\":\"file_sequence_number\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":4},"
    "{\"name\":\"data_file\",\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":["
    "{\"name\":\"content\",\"type\":\"int\",\"field-id\":134},"
    "{\"name\":\"file_path\",\"type\":\"string\",\"field-id\":100},"
    "{\"name\":\"file_format\",\"type\":\"string\",\"field-id\":101},"
    "{\"name\":\"partition\",\"type\":{\"type\":\"record\",\"name\":\"r102\",\"fields\":[]},\"field-id\":102},"
    "{\"name\":\"record_count\",\"type\":\"long\",\"field-id\":103},"
    "{\"name\":\"file_size_in_bytes\",\"type\":\"long\",\"field-id\":104},"
    DBX_MAP_FIELD("column_sizes", 108, 117, 118, "long") ","
    DBX_MAP_FIELD("value_counts", 109, 119, 120, "long") ","
    DBX_MAP_FIELD("null_value_counts", 110, 121, 122, "long") ","
    DBX_MAP_FIELD("nan_value_counts", 137, 138, 139, "long") ","
    DBX_MAP_FIELD("lower_bounds", 125, 126, 127, "bytes") ","
    DBX_MAP_FIELD("upper_bounds", 128, 129, 130, "bytes") ","
    "{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":131},"
    "{\"name\":\"split_offsets\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"long\",\"element-id\":133}],"
    "\"default\":null,\"field-id\":132},"
    "{\"name\":\"equality_ids\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"int\",\"element-id\":136}],"
    "\"default\":null,\"field-id\":135},"
    "{\"name\":\"sort_order_id\",\"type\":[\"null\",\"int\"],\"default\":null,\"field-id\":140}"
    "]},\"field-id\":2}]}";

const char kManifestFileSchema[] =
    "{\"type\":\"record\",\"name\":\"manifest_file\",\"fields\":["
    "{\"name\":\"manifest_path\",\"type\":\"string\",\"field-id\":500},"
    "{\"name\":\"manifest_length\",\"type\":\"long\",\"field-id\":501},"
    "{\"name\":\"partition_spec_id\",\"type\":\"int\",\"field-id\":502},"
    "{\"name\":\"content\",\"type\":\"int\",\"field-id\":517},"
    "{\"name\":\"sequence_number\",\"type\":\"long\",\"field-id\":515},"
    "{\"name\":\"min_sequence_number\",\"type\":\"long\",\"field-id\":516},"
    "{\"name\":\"added_snapshot_id\",\"type\":\"long\",\"field-id\":503},"
    "{\"name\":\"added_files_count\",\"type\":\"int\",\"field-id\":504},"
    "{\"name\":\"existing_files_count\",\"type\":\"int\",\"field-id\":505},"
    "{\"name\":\"deleted_files_count\",\"type\":\"int\",\"field-id\":506},"
    "{\"name\":\"added_rows_count\",\"type\":\"long\",\"field-id\":512},"
    "{\"name\":\"existing_rows_count\",\"type\":\"long\",\"field-id\":513},"
    "{\"name\":\"deleted_rows_count\",\"type\":\"long\",\"field-id\":514},"
    "{\"name\":\"partitions\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"r508\",\"fields\":["
    "{\"name\":\"contains_null\",\"type\":\"boolean\",\"field-id\":509},"
    "{\"name\":\"contains_nan\",\"type\":[\"null\",\"boolean\"],\"default\":null,\"field-id\":518},"
    "{\"name\":\"lower_bound\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":510},"
    "{\"name\":\"upper_bound\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":511}]},"
    "\"element-id\":508}],\"default\":null,\"field-id\":507},"
    "{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":519}]}";

namespace {

#undef DBX_MAP_FIELD

Status Field(avro_value_t* rec, const char* name, avro_value_t* out) {
  return AvroStatus(avro_value_get_by_name(rec, name, out, nullptr), std::string("field ") + name);
}

Status SetInt(avro_value_t* rec, const char* name, int32_t v) {
  avro_value_t f;
  DBX_RETURN_IF_ERROR(Field(rec, name, &f));
  return AvroStatus(avro_value_set_int(&f, v), name);
}

Status SetLong(avro_value_t* rec, const char* name, int64_t v) {
  avro_value_t f;
  DBX_RETURN_IF_ERROR(Field(rec, name, &f));
  return AvroStatus(avro_value_set_long(&f, v), name);
}

Status SetString(avro_value_t* rec, const char* name, const std::string& v) {
  avro_value_t f;
  DBX_RETURN_IF_ERROR(Field(rec, name, &f));
  return AvroStatus(avro_value_set_string_len(&f, v.c_str(), v.size() + 1), name);
}

// A ["null", T] union field: the null branch.
Status SetNull(avro_value_t* rec, const char* name) {
  avro_value_t f, branch;
  DBX_RETURN_IF_ERROR(Field(rec, name, &f));
  DBX_RETURN_IF_ERROR(AvroStatus(avro_value_set_branch(&f, 0, &branch), name));
  return AvroStatus(avro_value_set_null(&branch), name);
}

// A ["null", T] union field: the T branch, returned in *out.
Status SetPresent(avro_value_t* rec, const char* name, avro_value_t* out) {
  avro_value_t f;
  DBX_RETURN_IF_ERROR(Field(rec, name, &f));
  return AvroStatus(avro_value_set_branch(&f, 1, out), name);
}

template <typename T>
using IdMap = std::vector<std::pair<int32_t, T>>;

Status SetLongMap(avro_value_t* rec, const char* name, const IdMap<int64_t>& m) {
  avro_value_t arr;
  DBX_RETURN_IF_ERROR(SetPresent(rec, name, &arr));
  for (const auto& [k, v] : m) {
    avro_value_t e;
    DBX_RETURN_IF_ERROR(AvroStatus(avro_value_append(&arr, &e, nullptr), name));
    DBX_RETURN_IF_ERROR(SetInt(&e, "key", k));
    DBX_RETURN_IF_ERROR(SetLong(&e, "value", v));
  }
  return Status::OK();
}

Status SetBytesMap(avro_value_t* rec, const char* name, const IdMap<std::string>& m) {
  avro_value_t arr;
  DBX_RETURN_IF_ERROR(SetPresent(rec, name, &arr));
  for (const auto& [k, v] : m) {
    avro_value_t e, value;
    DBX_RETURN_IF_ERROR(AvroStatus(avro_value_append(&arr, &e, nullptr), name));
    DBX_RETURN_IF_ERROR(SetInt(&e, "key", k));
    DBX_RETURN_IF_ERROR(Field(&e, "value", &value));
    DBX_RETURN_IF_ERROR(AvroStatus(avro_value_set_bytes(&value, const_cast<char*>(v.data()), v.size()), name));
  }
  return Status::OK();
}

struct Metrics {
  IdMap<int64_t> column_sizes, value_counts, null_counts, nan_counts;
  IdMap<std::string> lower, upper;
};

Metrics FileMetrics(const parquet::Schema& schema, const DataFileInfo& file) {
  Metrics m;
  if (file.columns.size() != schema.fields.size()) return m;
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    const parquet::Field& f = schema.fields[i];
    const parquet::ColumnSummary& c = file.columns[i];
    int32_t id = f.is_list ? parquet::ElementFieldId(schema, i) : parquet::FieldId(i);
    m.column_sizes.push_back({id, c.compressed_bytes});
    m.value_counts.push_back({id, c.num_values});
    // A LIST leaf's counts mix NULL lists and NULL elements, and Iceberg
    // keeps no bounds of repeated fields: sizes and value counts only.
    if (f.is_list) continue;
    m.null_counts.push_back({id, c.null_count});
    if (c.nan_count >= 0) m.nan_counts.push_back({id, c.nan_count});
    if (c.has_min_max) {
      m.lower.push_back({id, IcebergBound(f, c.min)});
      m.upper.push_back({id, IcebergBound(f, c.max)});
    }
  }
  return m;
}

std::string JoinUrl(const std::string& root, const std::string& key) { return root + "/" + key; }

// 52 random bits: exact in a JavaScript number, as some readers parse it.
int64_t NewSnapshotId() {
  std::string u = NewUuid();
  std::string hex;
  for (char c : u) {
    if (c != '-') hex += c;
  }
  return static_cast<int64_t>(std::stoull(hex.substr(0, 13), nullptr, 16)) | 1;
}

}  // namespace

Result<std::vector<CatalogFile>> IcebergTableFiles(const CatalogOptions& options, const TableFiles& table,
                                                   const std::string& table_dir) {
  const parquet::Schema& schema = table.parquet_schema;
  // Schema, with the Parquet files' field ids, and the name mapping for
  // readers that map by name.
  json fields = json::array();
  json mapping = json::array();
  int32_t last_id = 0;
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    const parquet::Field& f = schema.fields[i];
    DBX_ASSIGN_OR_RETURN(std::string prim, IcebergPrimitiveType(f));
    json type = prim;
    json map_entry = {{"field-id", parquet::FieldId(i)}, {"names", {f.name}}};
    last_id = std::max(last_id, parquet::FieldId(i));
    if (f.is_list) {
      int32_t eid = parquet::ElementFieldId(schema, i);
      last_id = std::max(last_id, eid);
      type = {{"type", "list"}, {"element-id", eid}, {"element", prim}, {"element-required", !f.element_nullable}};
      map_entry["fields"] = json::array({{{"field-id", eid}, {"names", {"element"}}}});
    }
    fields.push_back({{"id", parquet::FieldId(i)}, {"name", f.name}, {"required", !f.nullable}, {"type", type}});
    mapping.push_back(std::move(map_entry));
  }
  json schema_json = {{"type", "struct"}, {"schema-id", 0}, {"fields", fields}};
  auto dump = [](const json& j, int indent = -1) {
    return j.dump(indent, ' ', false, json::error_handler_t::replace);
  };

  const std::string location = JoinUrl(options.root_url, table_dir);
  const int64_t snapshot_id = NewSnapshotId();
  const std::string uuid = NewUuid();
  const std::string manifest_key = table_dir + "/metadata/" + uuid + "-m0.avro";
  const std::string list_key =
      table_dir + "/metadata/snap-" + std::to_string(snapshot_id) + "-1-" + uuid + ".avro";

  // The manifest: one ADDED entry per data file; snapshot and sequence
  // numbers null, inherited from the manifest list.
  AvroFileBuilder manifest;
  DBX_RETURN_IF_ERROR(manifest.Init(kManifestEntrySchema, {{"schema", dump(schema_json)},
                                                           {"schema-id", "0"},
                                                           {"partition-spec", "[]"},
                                                           {"partition-spec-id", "0"},
                                                           {"format-version", "2"},
                                                           {"content", "data"}}));
  int64_t rows = 0, bytes = 0;
  for (const DataFileInfo& file : table.files) {
    rows += file.rows;
    bytes += file.size;
    DBX_ASSIGN_OR_RETURN(avro_value_t * entry, manifest.NewRecord());
    DBX_RETURN_IF_ERROR(SetInt(entry, "status", 1));  // ADDED
    DBX_RETURN_IF_ERROR(SetNull(entry, "snapshot_id"));
    DBX_RETURN_IF_ERROR(SetNull(entry, "sequence_number"));
    DBX_RETURN_IF_ERROR(SetNull(entry, "file_sequence_number"));
    avro_value_t df;
    DBX_RETURN_IF_ERROR(Field(entry, "data_file", &df));
    DBX_RETURN_IF_ERROR(SetInt(&df, "content", 0));
    DBX_RETURN_IF_ERROR(SetString(&df, "file_path", JoinUrl(options.root_url, file.key)));
    DBX_RETURN_IF_ERROR(SetString(&df, "file_format", "PARQUET"));
    DBX_RETURN_IF_ERROR(SetLong(&df, "record_count", file.rows));
    DBX_RETURN_IF_ERROR(SetLong(&df, "file_size_in_bytes", file.size));
    Metrics m = FileMetrics(schema, file);
    DBX_RETURN_IF_ERROR(SetLongMap(&df, "column_sizes", m.column_sizes));
    DBX_RETURN_IF_ERROR(SetLongMap(&df, "value_counts", m.value_counts));
    DBX_RETURN_IF_ERROR(SetLongMap(&df, "null_value_counts", m.null_counts));
    DBX_RETURN_IF_ERROR(SetLongMap(&df, "nan_value_counts", m.nan_counts));
    DBX_RETURN_IF_ERROR(SetBytesMap(&df, "lower_bounds", m.lower));
    DBX_RETURN_IF_ERROR(SetBytesMap(&df, "upper_bounds", m.upper));
    DBX_RETURN_IF_ERROR(SetNull(&df, "key_metadata"));
    DBX_RETURN_IF_ERROR(SetNull(&df, "split_offsets"));
    DBX_RETURN_IF_ERROR(SetNull(&df, "equality_ids"));
    DBX_RETURN_IF_ERROR(SetNull(&df, "sort_order_id"));
    DBX_RETURN_IF_ERROR(manifest.Append());
  }
  std::vector<CatalogFile> out;
  const auto files = static_cast<int32_t>(table.files.size());
  if (files > 0) out.push_back({manifest_key, manifest.Finish()});

  // The manifest list: the one manifest (none for a table without files).
  AvroFileBuilder list;
  DBX_RETURN_IF_ERROR(list.Init(kManifestFileSchema, {{"snapshot-id", std::to_string(snapshot_id)},
                                                      {"parent-snapshot-id", "null"},
                                                      {"sequence-number", "1"},
                                                      {"format-version", "2"}}));
  if (files > 0) {
    DBX_ASSIGN_OR_RETURN(avro_value_t * mf, list.NewRecord());
    DBX_RETURN_IF_ERROR(SetString(mf, "manifest_path", JoinUrl(options.root_url, manifest_key)));
    DBX_RETURN_IF_ERROR(SetLong(mf, "manifest_length", static_cast<int64_t>(out.back().contents.size())));
    DBX_RETURN_IF_ERROR(SetInt(mf, "partition_spec_id", 0));
    DBX_RETURN_IF_ERROR(SetInt(mf, "content", 0));
    DBX_RETURN_IF_ERROR(SetLong(mf, "sequence_number", 1));
    DBX_RETURN_IF_ERROR(SetLong(mf, "min_sequence_number", 1));
    DBX_RETURN_IF_ERROR(SetLong(mf, "added_snapshot_id", snapshot_id));
    DBX_RETURN_IF_ERROR(SetInt(mf, "added_files_count", files));
    DBX_RETURN_IF_ERROR(SetInt(mf, "existing_files_count", 0));
    DBX_RETURN_IF_ERROR(SetInt(mf, "deleted_files_count", 0));
    DBX_RETURN_IF_ERROR(SetLong(mf, "added_rows_count", rows));
    DBX_RETURN_IF_ERROR(SetLong(mf, "existing_rows_count", 0));
    DBX_RETURN_IF_ERROR(SetLong(mf, "deleted_rows_count", 0));
    avro_value_t partitions;
    DBX_RETURN_IF_ERROR(SetPresent(mf, "partitions", &partitions));  // unpartitioned: empty
    DBX_RETURN_IF_ERROR(SetNull(mf, "key_metadata"));
    DBX_RETURN_IF_ERROR(list.Append());
  }
  out.push_back({list_key, list.Finish()});

  const std::string n_files = std::to_string(files), n_rows = std::to_string(rows), n_bytes = std::to_string(bytes);
  json summary = {{"operation", "append"},
                  {"added-data-files", n_files},
                  {"added-records", n_rows},
                  {"added-files-size", n_bytes},
                  {"total-data-files", n_files},
                  {"total-records", n_rows},
                  {"total-files-size", n_bytes},
                  {"total-delete-files", "0"},
                  {"total-position-deletes", "0"},
                  {"total-equality-deletes", "0"}};
  json snapshot = {{"snapshot-id", snapshot_id},
                   {"sequence-number", 1},
                   {"timestamp-ms", options.timestamp_ms},
                   {"manifest-list", JoinUrl(options.root_url, list_key)},
                   {"summary", summary},
                   {"schema-id", 0}};
  std::string codec = options.compression;
  for (char& c : codec) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  json metadata = {
      {"format-version", 2},
      {"table-uuid", NewUuid()},
      {"location", location},
      {"last-sequence-number", 1},
      {"last-updated-ms", options.timestamp_ms},
      {"last-column-id", last_id},
      {"current-schema-id", 0},
      {"schemas", json::array({schema_json})},
      {"default-spec-id", 0},
      {"partition-specs", json::array({{{"spec-id", 0}, {"fields", json::array()}}})},
      {"last-partition-id", 999},
      {"default-sort-order-id", 0},
      {"sort-orders", json::array({{{"order-id", 0}, {"fields", json::array()}}})},
      {"properties",
       {{"write.format.default", "parquet"},
        {"write.parquet.compression-codec", codec},
        {"schema.name-mapping.default", dump(mapping)}}},
      {"current-snapshot-id", snapshot_id},
      {"refs", {{"main", {{"snapshot-id", snapshot_id}, {"type", "branch"}}}}},
      {"snapshots", json::array({snapshot})},
      {"statistics", json::array()},
      {"snapshot-log", json::array({{{"timestamp-ms", options.timestamp_ms}, {"snapshot-id", snapshot_id}}})},
      {"metadata-log", json::array()}};
  out.push_back({table_dir + "/metadata/v1.metadata.json", dump(metadata, 2)});
  out.push_back({table_dir + "/metadata/version-hint.text", "1"});
  return out;
}

}  // namespace dbexport::lake
