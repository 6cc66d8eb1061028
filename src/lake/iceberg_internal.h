#pragma once
// Apache Iceberg v2 table metadata for one exported table (docs/catalog.md).

#include <string>
#include <vector>

#include "lake/catalog.h"

namespace dbexport::lake {

// The files of the Iceberg table at <root>/<table_dir> (table_dir: a key
// prefix without trailing '/'): metadata/v1.metadata.json,
// metadata/version-hint.text, the manifest list and the manifest.
// InvalidArgument when a column has no Iceberg type.
Result<std::vector<CatalogFile>> IcebergTableFiles(const CatalogOptions& options, const TableFiles& table,
                                                   const std::string& table_dir);

// The Avro schemas of the v2 manifest entry and manifest list, with the
// specification's field ids.
extern const char kManifestEntrySchema[];
extern const char kManifestFileSchema[];

}  // namespace dbexport::lake
