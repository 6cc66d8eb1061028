// ExportSpec checks and what RunExportTask does before it needs a server:
// the steps it fails in and the causes it reports.

#include <gtest/gtest.h>

#include <filesystem>

#include "export/export.h"
#include "export/naming.h"
#include "support/test_env.h"

namespace dbexport::exporter {
namespace {

ExportSpec ValidSpec() {
  ExportSpec spec;
  spec.task_id = "nightly-1";
  return spec;
}

TEST(ExportSpec, ValidateSpecChecksWhatTheEngineNeeds) {
  EXPECT_TRUE(ValidateSpec(ValidSpec()).ok());
  ExportSpec spec = ValidSpec();
  spec.task_id = "1-bad";
  EXPECT_EQ(ValidateSpec(spec), InvalidArgument(std::string(kInvalidTaskIdentifierMessage)));
  spec = ValidSpec();
  spec.export_only = {"shop.public.order-items"};
  EXPECT_EQ(ValidateSpec(spec), InvalidArgument("invalid export-only entry 'shop.public.order-items': name "
                                                "'order-items' may contain only A-Z, a-z, 0-9, $ and _"));
  spec = ValidSpec();
  spec.parallelism = 0;
  EXPECT_EQ(ValidateSpec(spec), InvalidArgument("parallelism must be at least 1, got 0"));
  spec = ValidSpec();
  spec.chunk_rows = 0;
  EXPECT_EQ(ValidateSpec(spec), InvalidArgument("chunk rows must be at least 1, got 0"));
}

TEST(ExportSpec, ABadSpecFailsBeforeAnythingIsOpened) {
  std::string dir = dbexport::testing::MakeTempDir("spec-check") + "/out";
  ExportSpec spec = ValidSpec();
  spec.task_id = "";
  spec.source_url = "postgresql://nobody@127.0.0.1:1/none";
  spec.destination.directory = dir;
  TaskFailure failure;
  Result<ExportSummary> summary = RunExportTask(spec, nullptr, nullptr, &failure);
  EXPECT_EQ(summary.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(failure.step, TaskStep::kCheck);
  EXPECT_EQ(failure.detail, summary.status());
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(ExportSpec, ASourceThatCannotBeOpenedLeavesNoDirectory) {
  std::string dir = dbexport::testing::MakeTempDir("spec-source") + "/out";
  ExportSpec spec = ValidSpec();
  spec.source_url = "mysqlx://db/shop";
  spec.destination.directory = dir;
  TaskFailure failure;
  Result<ExportSummary> summary = RunExportTask(spec, nullptr, nullptr, &failure);
  const Status why = source::OpenSource(spec.source_url, {}).status();
  EXPECT_EQ(why.message(), "source URL: it must begin with postgresql://, postgres://, mysql:// or mariadb://");
  EXPECT_EQ(summary.status(), why);
  EXPECT_EQ(failure.step, TaskStep::kSource);
  EXPECT_FALSE(std::filesystem::exists(dir));

  // The service names its cluster, as the hosted export does.
  spec.source_cluster = "shop";
  summary = RunExportTask(spec, nullptr, nullptr, &failure);
  EXPECT_EQ(summary.status(),
            InvalidArgument("Failed to find or access the source DB cluster: shop. " + why.message()));
  EXPECT_EQ(failure.step, TaskStep::kSource);
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace dbexport::exporter
