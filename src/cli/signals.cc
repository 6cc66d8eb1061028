#include "cli/signals.h"

#include <csignal>

namespace dbexport::cli {
namespace {

std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");

extern "C" void OnCancelSignal(int sig) {
  g_cancel.store(true);
  // The next signal takes the default action: a user can always force quit.
  std::signal(sig, SIG_DFL);
}

}  // namespace

const std::atomic<bool>* InstallCancelSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnCancelSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_cancel;
}

}  // namespace dbexport::cli
