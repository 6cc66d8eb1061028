#include "storage/s3/s3_store.h"

#include "common/printable.h"
#include "storage/s3/kms.h"
#include "storage/s3/s3_setup_internal.h"
#include "storage/s3/sts.h"

namespace dbexport::s3 {
namespace {

constexpr char kDefaultRegion[] = "us-east-1";

std::string NormalizePrefix(std::string_view prefix) {
  while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  return std::string(prefix);
}

class S3Store final : public ObjectStore {
 public:
  S3Store(std::shared_ptr<S3Client> client, std::string bucket, std::string prefix, MultipartOptions multipart)
      : client_(std::move(client)),
        bucket_(std::move(bucket)),
        prefix_(std::move(prefix)),
        multipart_(multipart) {}

  Result<std::unique_ptr<OutputStream>> OpenWrite(const std::string& key) override {
    DBX_RETURN_IF_ERROR(CheckKey(key));
    return MakeMultipartStream(client_, bucket_, FullKey(key), multipart_);
  }

  Status Put(const std::string& key, const std::string& contents) override {
    DBX_RETURN_IF_ERROR(CheckKey(key));
    return client_->PutObject(bucket_, FullKey(key), contents);
  }

  Result<std::string> Get(const std::string& key) override {
    DBX_RETURN_IF_ERROR(CheckKey(key));
    return client_->GetObject(bucket_, FullKey(key));
  }

  Result<std::string> GetRange(const std::string& key, int64_t offset, int64_t length) override {
    DBX_RETURN_IF_ERROR(CheckKey(key));
    if (offset < 0 || length < 0) {
      return InvalidArgument("reading " + key + ": negative range (offset " + std::to_string(offset) +
                             ", length " + std::to_string(length) + ")");
    }
    return client_->GetObjectRange(bucket_, FullKey(key), offset, length);
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    DBX_RETURN_IF_ERROR(CheckKeyPrefix(prefix));
    DBX_ASSIGN_OR_RETURN(std::vector<S3ObjectSummary> objects, client_->ListObjects(bucket_, FullKey(prefix)));
    std::vector<ObjectInfo> infos;
    infos.reserve(objects.size());
    size_t strip = prefix_.empty() ? 0 : prefix_.size() + 1;
    for (S3ObjectSummary& o : objects) infos.push_back({o.key.substr(strip), o.size});
    return infos;
  }

  Status Delete(const std::string& key) override {
    DBX_RETURN_IF_ERROR(CheckKey(key));
    return client_->DeleteObject(bucket_, FullKey(key));
  }

  // The uploads are listed under the full prefix; S3 already filters by it,
  // the check here keeps a server that ignores the filter from widening the
  // cleanup to the whole bucket.
  Result<int> AbortIncompleteWrites(const std::string& prefix) override {
    DBX_RETURN_IF_ERROR(CheckKeyPrefix(prefix));
    const std::string full_prefix = FullKey(prefix);
    Result<std::vector<S3MultipartUploadSummary>> uploads = client_->ListMultipartUploads(bucket_, full_prefix);
    if (!uploads.ok()) return uploads.status().WithContext(AbortContext(full_prefix));
    int aborted = 0;
    for (const S3MultipartUploadSummary& upload : *uploads) {
      if (!upload.key.starts_with(full_prefix)) continue;
      Status s = client_->AbortMultipartUpload(bucket_, upload.key, upload.upload_id);
      if (!s.ok()) return s.WithContext(AbortContext(full_prefix));
      ++aborted;
    }
    return aborted;
  }

  std::string Describe() const override { return S3Url(bucket_, prefix_); }

 private:
  std::string FullKey(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "/" + key; }

  std::string AbortContext(const std::string& full_prefix) const {
    return "aborting the incomplete multipart uploads under " + S3Url(bucket_, full_prefix);
  }

  Status CheckKey(const std::string& key) const {
    Status s = CheckObjectKey(key);
    return s.ok() ? s : s.WithContext(Describe());
  }

  const std::shared_ptr<S3Client> client_;
  const std::string bucket_;
  const std::string prefix_;
  const MultipartOptions multipart_;
};

}  // namespace

Status ParseS3Url(const std::string& url, std::string* bucket, std::string* prefix) {
  constexpr std::string_view kScheme = "s3://";
  std::string_view u(url);
  if (!u.starts_with(kScheme)) return InvalidArgument("'" + url + "' is not an s3://bucket[/prefix] URL");
  u.remove_prefix(kScheme.size());
  size_t slash = u.find('/');
  std::string_view b = u.substr(0, slash);
  if (b.empty()) return InvalidArgument("'" + url + "' names no bucket: expected s3://bucket[/prefix]");
  *bucket = std::string(b);
  *prefix = slash == std::string_view::npos ? "" : NormalizePrefix(u.substr(slash + 1));
  if (Status s = CheckRootPrefix(*prefix); !s.ok()) {
    return InvalidArgument("s3://" + *bucket + ": the " + s.message() +
                           " (an S3 prefix is '/'-separated names, none of them '.', '..' or empty)");
  }
  return Status::OK();
}

Result<S3StoreOptions> S3StoreOptionsFor(const StoreLocation& location, const StoreOptions& options) {
  if (!location.is_s3()) return InvalidArgument("S3 store: no bucket given");
  DBX_RETURN_IF_ERROR(CheckRootPrefix(location.s3_prefix));
  S3StoreOptions o;
  o.bucket = location.s3_bucket;
  o.prefix = NormalizePrefix(location.s3_prefix);
  o.endpoint_url = options.endpoint_url;
  o.region = options.region;
  o.role_arn = options.iam_role_arn;
  o.role_session_name = options.role_session_name;
  o.kms_key_id = options.kms_key_id;
  if (options.timeout.count() > 0) o.retry.total_timeout = options.timeout;
  o.retry.on_retry = options.on_retry;
  return o;
}

Result<S3StoreOptions> S3StoreOptionsForUrl(const std::string& url, const StoreOptions& options) {
  StoreLocation location;
  DBX_RETURN_IF_ERROR(ParseS3Url(url, &location.s3_bucket, &location.s3_prefix));
  return S3StoreOptionsFor(location, options);
}

Result<S3Setup> ResolveS3Setup(const S3StoreOptions& options) {
  S3Setup setup;
  setup.options = options;
  if (!setup.options.env) setup.options.env = ProcessEnv();
  const EnvLookup& env = setup.options.env;
  const S3StoreOptions& o = setup.options;

  if (o.bucket.empty()) return InvalidArgument("S3 store: no bucket given");
  if (o.parts_in_flight < 1) {
    return InvalidArgument("S3 store: parts in flight must be at least 1, not " + std::to_string(o.parts_in_flight));
  }
  if (o.part_size < kMinPartSize || o.part_size > kMaxPartSize) {
    return InvalidArgument("S3 store: part size " + std::to_string(o.part_size) + " is outside S3's limits [" +
                           std::to_string(kMinPartSize) + ", " + std::to_string(kMaxPartSize) + "]");
  }
  if (o.prefix.find(':') != std::string::npos) {
    return InvalidArgument("S3 store: prefix '" + o.prefix + "' contains ':', which is not supported");
  }
  setup.region = !o.region.empty() ? o.region : ResolveDefaultRegion(env).value_or(kDefaultRegion);
  DBX_ASSIGN_OR_RETURN(setup.s3_endpoint, ResolveEndpoint("s3", setup.region, o.endpoint_url, env));
  DBX_ASSIGN_OR_RETURN(setup.sts_endpoint, ResolveEndpoint("sts", setup.region, o.endpoint_url, env));
  setup.kms_region = KmsKeyRegion(o.kms_key_id, setup.region);
  DBX_ASSIGN_OR_RETURN(setup.kms_endpoint, ResolveEndpoint("kms", setup.kms_region, o.endpoint_url, env));
  setup.http = std::make_shared<HttpClient>(o.http);
  if (o.credentials) {
    setup.base_credentials = o.credentials;
  } else {
    DBX_ASSIGN_OR_RETURN(setup.base_credentials, ResolveDefaultCredentials(env));
  }
  return setup;
}

Result<std::shared_ptr<CredentialsProvider>> ResolveWriteCredentials(const S3Setup& setup) {
  const S3StoreOptions& o = setup.options;
  if (o.role_arn.empty()) return setup.base_credentials;
  auto sts = MakeCaller(setup, setup.base_credentials, setup.sts_endpoint, setup.region, "sts");
  AssumeRoleOptions assume;
  assume.role_arn = o.role_arn;
  assume.session_name = o.role_session_name;
  assume.duration_seconds = o.role_duration_seconds;
  return MakeAssumeRoleCredentialsProvider(std::move(sts), std::move(assume));
}

std::shared_ptr<AwsCaller> MakeCaller(const S3Setup& setup, std::shared_ptr<CredentialsProvider> credentials,
                                      const AwsEndpoint& endpoint, const std::string& region,
                                      const std::string& service) {
  return std::make_shared<AwsCaller>(setup.http, std::move(credentials), endpoint, region, service,
                                     setup.options.retry);
}

std::unique_ptr<ObjectStore> MakeS3Store(const S3Setup& setup, std::shared_ptr<S3Client> client) {
  const S3StoreOptions& o = setup.options;
  MultipartOptions multipart{ChoosePartSize(o.part_size, o.max_object_size), o.parts_in_flight};
  return std::make_unique<S3Store>(std::move(client), o.bucket, NormalizePrefix(o.prefix), multipart);
}

Result<std::unique_ptr<ObjectStore>> OpenS3Store(const S3StoreOptions& options) {
  DBX_ASSIGN_OR_RETURN(S3Setup setup, ResolveS3Setup(options));
  DBX_ASSIGN_OR_RETURN(std::shared_ptr<CredentialsProvider> credentials, ResolveWriteCredentials(setup));
  auto caller = MakeCaller(setup, std::move(credentials), setup.s3_endpoint, setup.region, "s3");
  auto client = std::make_shared<S3Client>(std::move(caller), setup.options.kms_key_id);
  return MakeS3Store(setup, std::move(client));
}

}  // namespace dbexport::s3
