// XML shapes of the Query API responses (botocore rds 2014-10-31 model).

#include "service/query_internal.h"

namespace dbexport::service {

void OpenResponse(XmlWriter* xml, std::string_view action) {
  xml->Open(std::string(action) + "Response", kRdsXmlNamespace);
  xml->Open(std::string(action) + "Result");
}

void CloseResponse(XmlWriter* xml, std::string_view action, const std::string& request_id) {
  xml->Close(std::string(action) + "Result");
  xml->Open("ResponseMetadata");
  xml->Element("RequestId", request_id);
  xml->Close("ResponseMetadata");
  xml->Close(std::string(action) + "Response");
}

ApiResponse ErrorResponse(const ApiErrorCode& code, const std::string& message, const std::string& request_id) {
  XmlWriter xml;
  xml.Open("ErrorResponse", kRdsXmlNamespace);
  xml.Open("Error");
  xml.Element("Type", code.http_status >= 500 ? "Receiver" : "Sender");
  xml.Element("Code", code.code);
  xml.Element("Message", message);
  xml.Close("Error");
  xml.Element("RequestId", request_id);
  xml.Close("ErrorResponse");
  return ApiResponse{code.http_status, xml.Take(), std::string(code.code)};
}

void RenderExportTaskFields(XmlWriter* xml, const ExportTask& task) {
  const exporter::ExportSpec& spec = task.spec;
  xml->Element("ExportTaskIdentifier", spec.task_id);
  xml->Element("SourceArn", spec.source_arn);
  if (!spec.export_only.empty()) {
    xml->Open("ExportOnly");
    for (const auto& entry : spec.export_only) xml->Element("member", entry);
    xml->Close("ExportOnly");
  }
  if (task.snapshot_time) xml->Element("SnapshotTime", FormatIso8601(*task.snapshot_time));
  if (task.task_start_time) xml->Element("TaskStartTime", FormatIso8601(*task.task_start_time));
  if (task.task_end_time) xml->Element("TaskEndTime", FormatIso8601(*task.task_end_time));
  xml->Element("S3Bucket", spec.destination.s3_bucket);
  xml->Element("S3Prefix", spec.destination.s3_prefix);
  xml->Element("IamRoleArn", spec.store.iam_role_arn);
  xml->Element("KmsKeyId", spec.store.kms_key_id);
  xml->Element("Status", TaskStatusName(task.status));
  xml->Element("PercentProgress", std::to_string(task.percent_progress));
  xml->Element("TotalExtractedDataInGB", std::to_string(task.total_extracted_gb()));
  if (!task.failure_cause.empty()) xml->Element("FailureCause", task.failure_cause);
  if (!task.warning_message.empty()) xml->Element("WarningMessage", task.warning_message);
  xml->Element("SourceType", "CLUSTER");
}

void RenderDBCluster(XmlWriter* xml, const ServiceConfig& config, const ClusterConfig& cluster) {
  xml->Open("DBCluster");
  xml->Element("DBClusterIdentifier", cluster.name);
  xml->Element("DBClusterArn", config.ClusterArn(cluster.name));
  xml->Element("Engine", cluster.engine);
  xml->Element("EngineMode", "provisioned");
  xml->Element("Status", "available");
  xml->Element("Endpoint", cluster.host);
  xml->Element("Port", std::to_string(cluster.port));
  if (!cluster.database.empty()) xml->Element("DatabaseName", cluster.database);
  if (!cluster.user.empty()) xml->Element("MasterUsername", cluster.user);
  xml->Element("MultiAZ", "false");
  xml->Element("StorageEncrypted", "false");
  xml->Close("DBCluster");
}

}  // namespace dbexport::service
