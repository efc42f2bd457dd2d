// Internal: "host:port" parsing shared by the listener and the dialer, and
// the key under which inbound connections of one client address are counted.
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

// The key that counts inbound connections of one client: an IPv4 address as
// text (also when given as IPv4-mapped IPv6), the /64 prefix of an IPv6
// address ("2001:db8:1:2::/64", since one site usually holds a whole /64),
// and the text itself for anything else.
std::string inbound_address_key(std::string_view ip_text);

}  // namespace govchain::p2p
