#pragma once
// Secrets that must never reach an output: the process registers each one
// as it learns it (a source URL's password, an access key's secret, a
// webhook's signing secret), and every sink that writes text a user or a
// system can read (logs, task failure causes, manifests, webhooks, the CLI's
// messages) passes it through RedactSecrets. This is the last line of
// defence: messages are written not to contain secrets in the first place.
// Thread-safe.

#include <string>
#include <string_view>

namespace dbexport {

// Secrets shorter than this are not registered: redacting every occurrence
// of a one- or two-letter string would make messages unreadable.
inline constexpr size_t kMinRedactedSecretLength = 4;

// Adds `secret` to the process-wide list (a no-op when too short or known).
void RegisterSecret(std::string_view secret);

// `text` with every registered secret replaced by "****".
std::string RedactSecrets(std::string_view text);

}  // namespace dbexport
