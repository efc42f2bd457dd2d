// Internal: "host:port" parsing shared by the listener and the dialer.
// Pure and thread-safe. Not part of the public API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace govchain::p2p {

struct HostPort {
  std::string host;  // without IPv6 brackets
  uint16_t port = 0;
};

// Accepts "host:port" and "[ipv6]:port"; the port is decimal, 0-65535.
Result<HostPort> parse_host_port(std::string_view address);

}  // namespace govchain::p2p
