// The node's log output: where spdlog's default logger writes and in which
// form, from LogSettings (node_settings.h).
//
//  - Standard output by default, which systemd hands to the journal; with
//    log_file, a file rotated at log_file_size_bytes_max with log_files_max
//    old files kept (node.1.log the newest for node.log), so that the disk use is bounded.
//  - format "text": spdlog's usual line; "json": one JSON object per line,
//    {"time": "2026-12-01T10:00:00.123Z", "level": "info", "thread": 1234,
//    "message": "..."}, with the message escaped (quotes, control characters,
//    invalid UTF-8), so that a log shipper can parse every line.
//
// Call once from main before the node starts; replaces the default logger.
// Not thread-safe against concurrent logging while it runs.
#pragma once

#include <string>
#include <string_view>

#include "app/node_settings.h"
#include "core/status.h"

namespace govchain::app {

Status configure_logging(const LogSettings& settings);

// `text` as the inside of a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 bytes replaced by U+FFFD.
std::string json_string_contents(std::string_view text);

}  // namespace govchain::app
