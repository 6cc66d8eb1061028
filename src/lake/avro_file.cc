// AvroFileBuilder: libavro encodes the records; the container framing is
// the Avro specification's "Object Container Files".

#include "lake/avro_file_internal.h"

#include <cstdint>
#include <random>

namespace dbexport::lake {
namespace {

void PutLong(std::string* out, int64_t v) {
  auto z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out->push_back(static_cast<char>((z & 0x7F) | 0x80));
    z >>= 7;
  }
  out->push_back(static_cast<char>(z));
}

void PutBytes(std::string* out, const std::string& s) {
  PutLong(out, static_cast<int64_t>(s.size()));
  out->append(s);
}

std::string SyncMarker() {
  std::random_device rd;
  std::string s(16, '\0');
  for (char& c : s) c = static_cast<char>(rd() & 0xFF);
  return s;
}

}  // namespace

Status AvroStatus(int rc, const std::string& what) {
  if (rc == 0) return Status::OK();
  return Internal("Avro: " + what + ": " + avro_strerror());
}

AvroFileBuilder::~AvroFileBuilder() {
  if (has_record_) avro_value_decref(&record_);
  if (iface_ != nullptr) avro_value_iface_decref(iface_);
  if (schema_ != nullptr) avro_schema_decref(schema_);
}

Status AvroFileBuilder::Init(const std::string& schema_json,
                             std::vector<std::pair<std::string, std::string>> metadata) {
  schema_json_ = schema_json;
  metadata_ = std::move(metadata);
  DBX_RETURN_IF_ERROR(
      AvroStatus(avro_schema_from_json_length(schema_json.data(), schema_json.size(), &schema_), "parsing schema"));
  iface_ = avro_generic_class_from_schema(schema_);
  if (iface_ == nullptr) return Internal(std::string("Avro: no value class for the schema: ") + avro_strerror());
  return Status::OK();
}

Result<avro_value_t*> AvroFileBuilder::NewRecord() {
  if (iface_ == nullptr) return FailedPrecondition("AvroFileBuilder: Init() first");
  if (has_record_) {
    avro_value_decref(&record_);
    has_record_ = false;
  }
  DBX_RETURN_IF_ERROR(AvroStatus(avro_generic_value_new(iface_, &record_), "new record"));
  has_record_ = true;
  return &record_;
}

Status AvroFileBuilder::Append() {
  if (!has_record_) return FailedPrecondition("AvroFileBuilder: NewRecord() first");
  size_t size = 0;
  DBX_RETURN_IF_ERROR(AvroStatus(avro_value_sizeof(&record_, &size), "sizing a record"));
  std::string buf(size, '\0');
  avro_writer_t writer = avro_writer_memory(buf.data(), static_cast<int64_t>(buf.size()));
  int rc = avro_value_write(writer, &record_);
  avro_writer_free(writer);
  DBX_RETURN_IF_ERROR(AvroStatus(rc, "encoding a record"));
  block_ += buf;
  ++count_;
  avro_value_decref(&record_);
  has_record_ = false;
  return Status::OK();
}

std::string AvroFileBuilder::Finish() const {
  std::string out("Obj\x01", 4);
  std::vector<std::pair<std::string, std::string>> meta = {{"avro.schema", schema_json_}, {"avro.codec", "null"}};
  meta.insert(meta.end(), metadata_.begin(), metadata_.end());
  PutLong(&out, static_cast<int64_t>(meta.size()));
  for (const auto& [k, v] : meta) {
    PutBytes(&out, k);
    PutBytes(&out, v);
  }
  PutLong(&out, 0);
  const std::string sync = SyncMarker();
  out += sync;
  if (count_ > 0) {
    PutLong(&out, count_);
    PutLong(&out, static_cast<int64_t>(block_.size()));
    out += block_;
    out += sync;
  }
  return out;
}

}  // namespace dbexport::lake
