#pragma once
// `dbexport verify <dir | s3://bucket/prefix/task-id>`: checks a finished
// export against its manifests (src/verify/verify.h). Exit 0 when all is
// well, 1 on any difference (each named with its file) or when the export
// cannot be read, 2 for bad arguments.

#include <string>

namespace CLI {
class App;
}

namespace dbexport::cli {

struct VerifyFlags {
  std::string location;  // the task folder: a directory or s3://bucket[/prefix]/<task-id>
  bool json = false;
  bool deep = false;  // decode every page of every data file
  int parallelism = 0;  // files checked at the same time; 0: min(4, CPUs)
  std::string endpoint_url;
  std::string region;
};

// Adds the `verify` subcommand and its flags to `app`, bound to `flags`.
CLI::App* AddVerifyCommand(CLI::App& app, VerifyFlags* flags);

// Runs the verification `flags` describe; returns the process exit code.
int RunVerifyCommand(const VerifyFlags& flags);

}  // namespace dbexport::cli
