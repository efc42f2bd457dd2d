#include "p2p/address.h"

#include <charconv>

namespace govchain::p2p {

namespace {

Result<uint16_t> parse_port(std::string_view text, std::string_view address) {
  unsigned value = 0;
  auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || failure != std::errc() || end != text.data() + text.size() || value > 65535)
    return error(Code::invalid_argument, "address '" + std::string(address) + "' has no valid port");
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view address) {
  HostPort result;
  size_t colon = std::string_view::npos;
  if (!address.empty() && address.front() == '[') {
    const size_t closing = address.find(']');
    if (closing == std::string_view::npos || closing + 1 >= address.size() || address[closing + 1] != ':')
      return error(Code::invalid_argument, "address '" + std::string(address) + "' must be [ipv6]:port");
    result.host = std::string(address.substr(1, closing - 1));
    colon = closing + 1;
  } else {
    colon = address.rfind(':');
    if (colon == std::string_view::npos || address.find(':') != colon)
      return error(Code::invalid_argument, "address '" + std::string(address) + "' must be host:port");
    result.host = std::string(address.substr(0, colon));
  }
  if (result.host.empty()) return error(Code::invalid_argument, "address '" + std::string(address) + "' has no host");
  GOVCHAIN_ASSIGN_OR_RETURN(result.port, parse_port(address.substr(colon + 1), address));
  return result;
}

}  // namespace govchain::p2p
