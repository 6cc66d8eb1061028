// The console's client of the service's Query API: form-encoded parameters
// in, XML out, every request signed with the signed-in key (sigv4.js).

import { signQuery } from "./sigv4.js";

export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

function formEncode(params) {
  return Object.entries(params)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join("&");
}

// The text of the first child element of `parent` named `name`, or "".
export function childText(parent, name) {
  for (const child of parent.children) {
    if (child.localName === name) return child.textContent;
  }
  return "";
}

function childElement(parent, name) {
  for (const child of parent.children) {
    if (child.localName === name) return child;
  }
  return null;
}

function childElements(parent, name) {
  const list = childElement(parent, name);
  return list ? Array.from(list.children) : [];
}

// Calls `action` with `params`; resolves to the <ActionResult> element, or
// rejects with an ApiError (the service's code and message, or a network
// error as code "NetworkError").
export async function call(credentials, action, params = {}) {
  const body = formEncode({ Action: action, Version: "2014-10-31", ...params });
  const headers = await signQuery(credentials, location.host, body);
  let response;
  try {
    response = await fetch("/", {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/x-www-form-urlencoded" },
      body,
      cache: "no-store",
      credentials: "omit",
    });
  } catch (e) {
    throw new ApiError("NetworkError", `The service could not be reached: ${e.message}`, 0);
  }
  const text = await response.text();
  const doc = new DOMParser().parseFromString(text, "application/xml");
  const root = doc.documentElement;
  if (!root || root.localName === "parsererror" || doc.getElementsByTagName("parsererror").length) {
    throw new ApiError("InvalidResponse", `The service answered HTTP ${response.status} with a body that is not XML.`, response.status);
  }
  if (root.localName === "ErrorResponse") {
    const error = childElement(root, "Error") || root;
    throw new ApiError(childText(error, "Code"), childText(error, "Message"), response.status);
  }
  const result = childElement(root, `${action}Result`);
  if (!result) throw new ApiError("InvalidResponse", `The answer to ${action} has no ${action}Result.`, response.status);
  return result;
}

function parseTask(el) {
  const number = (name) => {
    const text = childText(el, name);
    return text === "" ? null : Number(text);
  };
  return {
    id: childText(el, "ExportTaskIdentifier"),
    sourceArn: childText(el, "SourceArn"),
    exportOnly: childElements(el, "ExportOnly").map((m) => m.textContent),
    snapshotTime: childText(el, "SnapshotTime"),
    startTime: childText(el, "TaskStartTime"),
    endTime: childText(el, "TaskEndTime"),
    bucket: childText(el, "S3Bucket"),
    prefix: childText(el, "S3Prefix"),
    iamRoleArn: childText(el, "IamRoleArn"),
    kmsKeyId: childText(el, "KmsKeyId"),
    status: childText(el, "Status"),
    progress: number("PercentProgress"),
    extractedGb: number("TotalExtractedDataInGB"),
    failureCause: childText(el, "FailureCause"),
    warningMessage: childText(el, "WarningMessage"),
    sourceType: childText(el, "SourceType"),
  };
}

// Filters: {name: [values]} (export-task-identifier, s3-bucket, source-arn,
// status). Resolves to {tasks, marker}.
export async function describeExportTasks(credentials, { filters = {}, id, marker, maxRecords = 100 } = {}) {
  const params = { MaxRecords: String(maxRecords) };
  if (id) params.ExportTaskIdentifier = id;
  if (marker) params.Marker = marker;
  let n = 0;
  for (const [name, values] of Object.entries(filters)) {
    if (!values || values.length === 0) continue;
    n += 1;
    params[`Filters.Filter.${n}.Name`] = name;
    values.forEach((value, i) => {
      params[`Filters.Filter.${n}.Values.Value.${i + 1}`] = value;
    });
  }
  const result = await call(credentials, "DescribeExportTasks", params);
  return {
    tasks: childElements(result, "ExportTasks").map(parseTask),
    marker: childText(result, "Marker"),
  };
}

// Every page of DescribeExportTasks with `filters`, in the service's order
// (oldest first).
export async function describeAllExportTasks(credentials, filters) {
  const tasks = [];
  let marker = "";
  do {
    const page = await describeExportTasks(credentials, { filters, marker });
    tasks.push(...page.tasks);
    marker = page.marker;
  } while (marker);
  return tasks;
}

export async function describeExportTask(credentials, id) {
  const page = await describeExportTasks(credentials, { id });
  if (page.tasks.length === 0) throw new ApiError("ExportTaskNotFound", `Cannot find export task with ID ${id}.`, 404);
  return page.tasks[0];
}

export async function describeDBClusters(credentials) {
  const clusters = [];
  let marker = "";
  do {
    const params = { MaxRecords: "100" };
    if (marker) params.Marker = marker;
    const result = await call(credentials, "DescribeDBClusters", params);
    for (const el of childElements(result, "DBClusters")) {
      clusters.push({
        id: childText(el, "DBClusterIdentifier"),
        arn: childText(el, "DBClusterArn"),
        engine: childText(el, "Engine"),
        status: childText(el, "Status"),
      });
    }
    marker = childText(result, "Marker");
  } while (marker);
  return clusters;
}

export async function startExportTask(credentials, request) {
  const params = {
    ExportTaskIdentifier: request.id,
    SourceArn: request.sourceArn,
    S3BucketName: request.bucket,
    IamRoleArn: request.iamRoleArn,
    KmsKeyId: request.kmsKeyId,
  };
  if (request.prefix) params.S3Prefix = request.prefix;
  (request.exportOnly || []).forEach((name, i) => {
    params[`ExportOnly.member.${i + 1}`] = name;
  });
  return parseTask(await call(credentials, "StartExportTask", params));
}

export async function cancelExportTask(credentials, id) {
  return parseTask(await call(credentials, "CancelExportTask", { ExportTaskIdentifier: id }));
}

// The per-table status from the task's manifests (dbexport extension).
export async function describeExportTaskTables(credentials, id) {
  const result = await call(credentials, "DescribeExportTaskTables", { ExportTaskIdentifier: id });
  const number = (el, name) => {
    const text = childText(el, name);
    return text === "" ? null : Number(text);
  };
  return {
    location: childText(result, "S3Location"),
    tables: childElements(result, "Tables").map((el) => ({
      target: childText(el, "Target"),
      status: childText(el, "Status"),
      rows: number(el, "NumberOfRows"),
      files: number(el, "NumberOfFiles"),
      sizeBytes: number(el, "SizeBytes"),
      partitions: number(el, "NumberOfPartitions"),
      completedPartitions: number(el, "NumberOfCompletedPartitions"),
      constraintType: childText(el, "ConstraintType"),
      reason: childText(el, "Reason"),
      failureCause: childText(el, "FailureCause"),
    })),
  };
}
