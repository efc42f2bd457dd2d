#include "p2p/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
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

std::string inbound_address_key(std::string_view ip_text) {
  const std::string text(ip_text.substr(0, std::min(ip_text.find('%'), ip_text.size())));
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) return text;
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return std::string(ip_text);
  const bool v4_mapped = std::all_of(bytes.begin(), bytes.begin() + 10, [](unsigned char byte) { return byte == 0; }) &&
                         bytes[10] == 0xff && bytes[11] == 0xff;
  char printed[INET6_ADDRSTRLEN] = {};
  if (v4_mapped) {
    if (inet_ntop(AF_INET, bytes.data() + 12, printed, sizeof(printed)) != nullptr) return printed;
    return std::string(ip_text);
  }
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  if (inet_ntop(AF_INET6, bytes.data(), printed, sizeof(printed)) == nullptr) return std::string(ip_text);
  return std::string(printed) + "/64";
}

}  // namespace govchain::p2p
