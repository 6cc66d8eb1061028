#include <gtest/gtest.h>

#include "export/export_internal.h"

namespace dbexport::exporter {
namespace {

using Phase = ExportProgress::Phase;

TEST(Progress, PercentFollowsBytesReadAndStopsAt99) {
  ProgressTracker t;
  t.Plan(2, 4, 1000, 1000);
  EXPECT_EQ(t.Sample(Phase::kInProgress).percent, 0);
  for (int i = 0; i < 4; ++i) t.ChunkStarted();
  t.AddBytesRead(250);
  EXPECT_EQ(t.Sample(Phase::kInProgress).percent, 25);
  t.AddBytesRead(2000);  // the catalog estimate was low
  ExportProgress p = t.Sample(Phase::kInProgress);
  EXPECT_EQ(p.percent, 99);
  EXPECT_EQ(p.bytes_read, 2250);
  EXPECT_EQ(t.Finished().percent, 100);
}

TEST(Progress, ChunksBoundAWrongEstimate) {
  ProgressTracker too_low;  // the bytes read pass the estimate early
  too_low.Plan(1, 10, 0, 1000);
  too_low.ChunkStarted();
  too_low.ChunkStarted();
  too_low.AddBytesRead(900);
  EXPECT_EQ(too_low.Sample(Phase::kInProgress).percent, 20);  // at most the chunks started

  ProgressTracker too_high;
  too_high.Plan(1, 10, 0, 1'000'000);
  for (int i = 0; i < 6; ++i) {
    too_high.ChunkStarted();
    too_high.ChunkDone();
  }
  too_high.AddBytesRead(100);
  EXPECT_EQ(too_high.Sample(Phase::kInProgress).percent, 60);  // at least the chunks done
}

TEST(Progress, ChunksDoneCountWhenTheEstimateIsMissing) {
  ProgressTracker t;
  t.Plan(1, 4, 0, 0);
  t.ChunkStarted();
  t.ChunkDone();
  EXPECT_EQ(t.Sample(Phase::kInProgress).percent, 25);
  t.ChunkDone();
  t.ChunkDone();
  t.ChunkDone();
  EXPECT_EQ(t.Sample(Phase::kInProgress).percent, 99);
}

TEST(Progress, NeverDecreases) {
  ProgressTracker t;
  t.Plan(1, 10, 0, 1000);
  for (int i = 0; i < 5; ++i) t.ChunkDone();
  EXPECT_EQ(t.Sample(Phase::kInProgress).percent, 50);
  t.Plan(1, 20, 0, 1000);  // a larger plan cannot move the bar back
  EXPECT_EQ(t.Sample(Phase::kInProgress).percent, 50);
}

TEST(Progress, CountersAreReported) {
  ProgressTracker t;
  t.Plan(3, 7, 500, 9000);
  t.set_snapshot_time("2023-07-19T23:20:01.000Z");
  t.AddRows(42);
  t.AddBytesWritten(77);
  t.TableDone();
  t.ChunkDone();
  ExportProgress p = t.Sample(Phase::kInProgress);
  EXPECT_EQ(p.phase, Phase::kInProgress);
  EXPECT_EQ(p.snapshot_time, "2023-07-19T23:20:01.000Z");
  EXPECT_EQ(p.tables_total, 3);
  EXPECT_EQ(p.tables_done, 1);
  EXPECT_EQ(p.chunks_total, 7);
  EXPECT_EQ(p.chunks_done, 1);
  EXPECT_EQ(p.rows_exported, 42);
  EXPECT_EQ(p.rows_estimated, 500);
  EXPECT_EQ(p.bytes_estimated, 9000);
  EXPECT_EQ(p.bytes_written, 77);
}

}  // namespace
}  // namespace dbexport::exporter
