#include "storage/s3/credentials.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace dbexport::s3 {
namespace {

class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  StaticCredentialsProvider(AwsCredentials credentials, std::string source)
      : credentials_(std::move(credentials)), source_(std::move(source)) {}
  Result<AwsCredentials> Get() override { return credentials_; }
  std::string Describe() const override { return source_; }

 private:
  const AwsCredentials credentials_;
  const std::string source_;
};

using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The AWS shared-file INI dialect: [section], key = value, comments start
// with '#' or ';'; indented lines continue a nested setting and are skipped.
// A missing file is an empty one.
IniFile ReadIni(const std::string& path) {
  IniFile file;
  std::ifstream in(path);
  if (!in) return file;
  std::string line;
  IniSection* section = nullptr;
  while (std::getline(in, line)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) continue;
    std::string_view l = Trim(line);
    if (l.empty() || l[0] == '#' || l[0] == ';') continue;
    if (l.front() == '[' && l.back() == ']') {
      section = &file[std::string(Trim(l.substr(1, l.size() - 2)))];
      continue;
    }
    size_t eq = l.find('=');
    if (section == nullptr || eq == std::string_view::npos) continue;
    (*section)[std::string(Trim(l.substr(0, eq)))] = std::string(Trim(l.substr(eq + 1)));
  }
  return file;
}

struct SharedFiles {
  std::string profile;
  std::string credentials_path;
  std::string config_path;
  bool profile_explicit = false;
};

SharedFiles LocateSharedFiles(const EnvLookup& env) {
  SharedFiles f;
  std::string home = env("HOME").value_or("");
  f.credentials_path = env("AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials");
  f.config_path = env("AWS_CONFIG_FILE").value_or(home + "/.aws/config");
  if (auto p = env("AWS_PROFILE"); p && !p->empty()) {
    f.profile = *p;
    f.profile_explicit = true;
  } else if (auto d = env("AWS_DEFAULT_PROFILE"); d && !d->empty()) {
    f.profile = *d;
    f.profile_explicit = true;
  } else {
    f.profile = "default";
  }
  return f;
}

const IniSection* ConfigSection(const IniFile& config, const std::string& profile) {
  auto it = config.find("profile " + profile);
  if (it != config.end()) return &it->second;
  if (profile == "default") {
    it = config.find("default");
    if (it != config.end()) return &it->second;
  }
  return nullptr;
}

std::string Get(const IniSection& section, const char* key) {
  auto it = section.find(key);
  return it == section.end() ? "" : it->second;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::shared_ptr<CredentialsProvider> MakeStaticCredentialsProvider(AwsCredentials credentials,
                                                                   std::string source) {
  return std::make_shared<StaticCredentialsProvider>(std::move(credentials), std::move(source));
}

Result<std::shared_ptr<CredentialsProvider>> ResolveDefaultCredentials(const EnvLookup& env) {
  // 1. Environment.
  std::string key_id = env("AWS_ACCESS_KEY_ID").value_or("");
  std::string secret = env("AWS_SECRET_ACCESS_KEY").value_or("");
  if (!key_id.empty() || !secret.empty()) {
    if (key_id.empty() || secret.empty()) {
      return InvalidArgument(
          "reading AWS credentials from the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
          "must both be set");
    }
    return MakeStaticCredentialsProvider({key_id, secret, env("AWS_SESSION_TOKEN").value_or("")},
                                         "environment");
  }

  // 2 and 3. Shared files.
  SharedFiles files = LocateSharedFiles(env);
  IniFile credentials_file = ReadIni(files.credentials_path);
  IniFile config_file = ReadIni(files.config_path);
  struct Candidate {
    const IniSection* section;
    std::string path;
  };
  std::vector<Candidate> candidates;
  if (auto it = credentials_file.find(files.profile); it != credentials_file.end()) {
    candidates.push_back({&it->second, files.credentials_path});
  }
  if (const IniSection* s = ConfigSection(config_file, files.profile)) {
    candidates.push_back({s, files.config_path});
  }
  for (const Candidate& c : candidates) {
    std::string id = Get(*c.section, "aws_access_key_id");
    std::string key = Get(*c.section, "aws_secret_access_key");
    if (id.empty() && key.empty()) continue;
    if (id.empty() || key.empty()) {
      return InvalidArgument("reading AWS credentials of profile '" + files.profile + "' in " + c.path +
                             ": aws_access_key_id and aws_secret_access_key must both be set");
    }
    return MakeStaticCredentialsProvider({id, key, Get(*c.section, "aws_session_token")},
                                         "profile '" + files.profile + "' in " + c.path);
  }
  if (files.profile_explicit && candidates.empty()) {
    return NotFound("AWS profile '" + files.profile + "' not found in " + files.credentials_path +
                    " or " + files.config_path);
  }
  return Unauthenticated("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile '" +
                         files.profile + "' in " + files.credentials_path + " or " + files.config_path);
}

std::optional<std::string> ResolveDefaultRegion(const EnvLookup& env) {
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (auto v = env(name); v && !v->empty()) return v;
  }
  SharedFiles files = LocateSharedFiles(env);
  IniFile config_file = ReadIni(files.config_path);
  if (const IniSection* s = ConfigSection(config_file, files.profile)) {
    std::string region = Get(*s, "region");
    if (!region.empty()) return region;
  }
  return std::nullopt;
}

}  // namespace dbexport::s3
