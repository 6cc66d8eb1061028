#pragma once
// An Avro object container file built in memory: the records are encoded by
// libavro (avro-c) against the schema; the header carries the schema text
// exactly as given (Iceberg's readers need its "field-id" attributes, which
// libavro does not keep) and the caller's metadata. Codec "null".

#include <avro.h>

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace dbexport::lake {

class AvroFileBuilder {
 public:
  AvroFileBuilder() = default;
  ~AvroFileBuilder();
  AvroFileBuilder(const AvroFileBuilder&) = delete;
  AvroFileBuilder& operator=(const AvroFileBuilder&) = delete;

  Status Init(const std::string& schema_json, std::vector<std::pair<std::string, std::string>> metadata);

  // A fresh record of the schema for the caller to fill, valid until the
  // next NewRecord() or Append().
  Result<avro_value_t*> NewRecord();
  // Encodes the record NewRecord() returned.
  Status Append();
  // The whole file.
  std::string Finish() const;

 private:
  std::string schema_json_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  avro_schema_t schema_ = nullptr;
  avro_value_iface_t* iface_ = nullptr;
  avro_value_t record_{};
  bool has_record_ = false;
  std::string block_;
  int64_t count_ = 0;
};

// avro-c return code -> Status, with avro_strerror().
Status AvroStatus(int rc, const std::string& what);

}  // namespace dbexport::lake
