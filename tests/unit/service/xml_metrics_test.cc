#include <gtest/gtest.h>

#include "service/metrics.h"
#include "service/xml_internal.h"

namespace dbexport::service {
namespace {

TEST(ServiceXmlEscape, EscapesMarkupAndKeepsUtf8) {
  EXPECT_EQ(XmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c'");
  EXPECT_EQ(XmlEscape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(XmlEscape("tab\tnew\nline\rret"), "tab\tnew\nline&#13;ret");
}

TEST(ServiceXmlEscape, ReplacesWhatXmlCannotCarry) {
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(XmlEscape(std::string("a\x01z", 3)), "a" + fffd + "z");
  EXPECT_EQ(XmlEscape(std::string("nul\0x", 5)), "nul" + fffd + "x");
  EXPECT_EQ(XmlEscape("bad \xff byte"), "bad " + fffd + " byte");
  EXPECT_EQ(XmlEscape("truncated \xe2\x82"), "truncated " + fffd + fffd);
  EXPECT_EQ(XmlEscape("overlong \xc0\xaf"), "overlong " + fffd + fffd);
  EXPECT_EQ(XmlEscape("surrogate \xed\xa0\x80"), "surrogate " + fffd + fffd + fffd);
}

TEST(ServiceXmlWriter, WritesElements) {
  XmlWriter xml;
  xml.Open("A", "urn:x");
  xml.Element("B", "1 < 2");
  xml.Close("A");
  EXPECT_EQ(xml.Take(), "<A xmlns=\"urn:x\"><B>1 &lt; 2</B></A>");
}

TEST(ServiceMetrics, RendersTasksRequestsAndRefusals) {
  std::vector<ExportTask> tasks(3);
  tasks[0].status = TaskStatus::kComplete;
  tasks[0].rows_exported = 100;
  tasks[0].bytes_written = 2000;
  tasks[0].extracted_bytes = 3000;
  tasks[0].task_start_time = 0;
  tasks[0].task_end_time = 4000;  // 4 s
  tasks[1].status = TaskStatus::kFailed;
  tasks[1].task_start_time = 0;
  tasks[1].task_end_time = 120000;  // 120 s
  tasks[2].status = TaskStatus::kInProgress;
  tasks[2].rows_exported = 5;
  tasks[2].task_start_time = 0;
  ServiceMetrics metrics;
  metrics.CountRequest("StartExportTask", "OK");
  metrics.CountRequest("StartExportTask", "OK");
  metrics.CountRequest("CancelExportTask", "ExportTaskNotFound");
  metrics.CountHttpRefusal("timeout");
  metrics.CountHttpRefusal("body_too_large");
  metrics.CountHttpRefusal("timeout");
  metrics.SetHttpOpenConnections(7);
  EXPECT_EQ(metrics.Render(tasks),
            "# HELP dbexport_export_tasks Export tasks by status.\n"
            "# TYPE dbexport_export_tasks gauge\n"
            "dbexport_export_tasks{status=\"STARTING\"} 0\n"
            "dbexport_export_tasks{status=\"IN_PROGRESS\"} 1\n"
            "dbexport_export_tasks{status=\"COMPLETE\"} 1\n"
            "dbexport_export_tasks{status=\"FAILED\"} 1\n"
            "dbexport_export_tasks{status=\"CANCELING\"} 0\n"
            "dbexport_export_tasks{status=\"CANCELED\"} 0\n"
            "# HELP dbexport_rows_exported_total Rows written to Parquet by all export tasks.\n"
            "# TYPE dbexport_rows_exported_total counter\n"
            "dbexport_rows_exported_total 105\n"
            "# HELP dbexport_bytes_written_total Parquet bytes written by all export tasks.\n"
            "# TYPE dbexport_bytes_written_total counter\n"
            "dbexport_bytes_written_total 2000\n"
            "# HELP dbexport_bytes_extracted_total Source bytes read by all export tasks.\n"
            "# TYPE dbexport_bytes_extracted_total counter\n"
            "dbexport_bytes_extracted_total 3000\n"
            "# HELP dbexport_export_duration_seconds Duration of finished export tasks.\n"
            "# TYPE dbexport_export_duration_seconds histogram\n"
            "dbexport_export_duration_seconds_bucket{le=\"1\"} 0\n"
            "dbexport_export_duration_seconds_bucket{le=\"5\"} 1\n"
            "dbexport_export_duration_seconds_bucket{le=\"15\"} 1\n"
            "dbexport_export_duration_seconds_bucket{le=\"60\"} 1\n"
            "dbexport_export_duration_seconds_bucket{le=\"300\"} 2\n"
            "dbexport_export_duration_seconds_bucket{le=\"900\"} 2\n"
            "dbexport_export_duration_seconds_bucket{le=\"3600\"} 2\n"
            "dbexport_export_duration_seconds_bucket{le=\"14400\"} 2\n"
            "dbexport_export_duration_seconds_bucket{le=\"43200\"} 2\n"
            "dbexport_export_duration_seconds_bucket{le=\"+Inf\"} 2\n"
            "dbexport_export_duration_seconds_sum 124\n"
            "dbexport_export_duration_seconds_count 2\n"
            "# HELP dbexport_api_requests_total API requests by action and result code.\n"
            "# TYPE dbexport_api_requests_total counter\n"
            "dbexport_api_requests_total{action=\"CancelExportTask\",code=\"ExportTaskNotFound\"} 1\n"
            "dbexport_api_requests_total{action=\"StartExportTask\",code=\"OK\"} 2\n"
            "# HELP dbexport_http_refusals_total Requests and connections the HTTP front refused, by reason.\n"
            "# TYPE dbexport_http_refusals_total counter\n"
            "dbexport_http_refusals_total{reason=\"body_too_large\"} 1\n"
            "dbexport_http_refusals_total{reason=\"timeout\"} 2\n"
            "# HELP dbexport_http_open_connections Open HTTP connections.\n"
            "# TYPE dbexport_http_open_connections gauge\n"
            "dbexport_http_open_connections 7\n");
}

TEST(ServiceTime, FormatsAndParsesIso8601) {
  EXPECT_EQ(FormatIso8601(1667324206961), "2022-11-01T17:36:46.961Z");
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(ParseIso8601("2022-11-01T17:36:46.961Z"), std::optional<TimeMs>(1667324206961));
  EXPECT_EQ(ParseIso8601("2022-11-01 17:36:46.961234+00"), std::optional<TimeMs>(1667324206961));
  EXPECT_EQ(ParseIso8601("2022-11-01T19:36:46+02:00"), std::optional<TimeMs>(1667324206000));
  EXPECT_EQ(ParseIso8601("2022-11-01T17:36:46"), std::optional<TimeMs>(1667324206000));
  EXPECT_EQ(ParseIso8601("yesterday"), std::nullopt);
}

TEST(ServiceExportTask, OutputLocationNormalisesSlashes) {
  ExportTask t;
  t.spec.task_id = "t1";
  t.spec.destination.s3_bucket = "bucket";
  EXPECT_EQ(t.OutputLocation(), "s3://bucket/t1/");
  t.spec.destination.s3_prefix = "/a/b//";
  EXPECT_EQ(t.OutputLocation(), "s3://bucket/a/b/t1/");
  t.spec.destination.s3_prefix = "///";
  EXPECT_EQ(t.OutputLocation(), "s3://bucket/t1/");
}

}  // namespace
}  // namespace dbexport::service
