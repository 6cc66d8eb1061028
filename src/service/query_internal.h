#pragma once
// Internals of the Query API shared by its files: StartExportTask parameter
// checks (each failure carries its wire error code) and the XML shapes.

#include <optional>
#include <string>
#include <string_view>

#include "service/config.h"
#include "service/export_task.h"
#include "service/query_api.h"
#include "service/task_manager.h"
#include "service/xml_internal.h"

namespace dbexport::service {

// The Engine every configured cluster reports (PostgreSQL sources).


struct CheckFailure {
  ApiErrorCode code;
  std::string message;
};

// Checks every StartExportTask parameter that does not depend on other
// tasks, in this order: identifier, SourceArn (sets spec.source_cluster),
// bucket name, prefix, IAM role ARN, KMS key id, ExportOnly.
std::optional<CheckFailure> CheckStartRequest(const ServiceConfig& config, StartRequest* request);

// <ActionResponse xmlns=...><ActionResult>
void OpenResponse(XmlWriter* xml, std::string_view action);
// </ActionResult><ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></ActionResponse>
void CloseResponse(XmlWriter* xml, std::string_view action, const std::string& request_id);

// The members of an ExportTask (no enclosing element).
void RenderExportTaskFields(XmlWriter* xml, const ExportTask& task);
// One <DBCluster> element.
void RenderDBCluster(XmlWriter* xml, const ServiceConfig& config, const ClusterConfig& cluster);

}  // namespace dbexport::service
