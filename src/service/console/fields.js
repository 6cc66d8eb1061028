// Which field of the "Export to Amazon S3" form an API error concerns, so
// that the console shows it beside that field. Codes name the field for most
// errors; InvalidParameterValue and MissingParameter name it in the message,
// which begins with the parameter ("The parameter ExportTaskIdentifier ...",
// "The S3 prefix ... isn't valid"): the earliest mention wins, since the rest
// of a message may quote what the user typed.

const BY_CODE = {
  ExportTaskAlreadyExists: "identifier",
  InvalidS3BucketFault: "bucket",
  IamRoleNotFound: "role",
  IamRoleMissingPermissions: "role",
  KMSKeyNotAccessibleFault: "kms",
  InvalidExportOnly: "exportonly",
  DBClusterNotFoundFault: "cluster",
  InvalidExportSourceState: "cluster",
};

const BY_MESSAGE = [
  [/ExportTaskIdentifier|export identifier/i, "identifier"],
  [/S3Prefix|S3 prefix/i, "prefix"],
  [/KmsKeyId|KMS key/i, "kms"],
  [/IamRoleArn|IAM role/i, "role"],
  [/S3BucketName|S3 bucket/i, "bucket"],
  [/SourceArn|DB ?cluster/i, "cluster"],
  [/ExportOnly/i, "exportonly"],
];

// The field ("identifier", "cluster", "exportonly", "bucket", "prefix",
// "role", "kms"), or null when the error concerns the whole request.
export function fieldForError(code, message) {
  if (BY_CODE[code]) return BY_CODE[code];
  if (code !== "InvalidParameterValue" && code !== "MissingParameter") return null;
  let best = null;
  let bestIndex = Infinity;
  for (const [pattern, field] of BY_MESSAGE) {
    const match = pattern.exec(message || "");
    if (match && match.index < bestIndex) {
      best = field;
      bestIndex = match.index;
    }
  }
  return best;
}
