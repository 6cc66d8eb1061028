#pragma once
// ISO 8601 UTC timestamps as the API, the manifests, the logs and STS write
// them. Pure functions, thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace dbexport {

// "2022-11-01T17:36:46.961Z" for `unix_ms` milliseconds since the Unix epoch.
std::string FormatIso8601(int64_t unix_ms);
// The same, `t` truncated to the millisecond (towards the past).
std::string FormatIso8601(std::chrono::system_clock::time_point t);

// Milliseconds since the Unix epoch of "YYYY-MM-DDTHH:MM:SS" ('T' or ' '),
// optionally followed by a fraction (digits past the third are dropped) and
// a zone: "Z", "+HH", "+HH:MM", "+HHMM" (or '-'); no zone is UTC. nullopt
// when unrecognised.
std::optional<int64_t> ParseIso8601(const std::string& text);

// Milliseconds since the Unix epoch of a UTC calendar time; fields as in
// std::tm (year 1900-based, month 0-based), normalised as timegm does.
int64_t UtcFieldsToUnixMs(int year, int month, int day, int hour, int minute, int second);

}  // namespace dbexport
