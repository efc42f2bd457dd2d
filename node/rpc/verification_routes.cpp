#include "rpc/verification_routes.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "chain/genesis.h"
#include "execution/state_keys.h"
#include "execution/validator_governance.h"

namespace govchain::rpc {

namespace {

using json = nlohmann::json;

// CORS for these GET routes (a portal on another origin calls them) is the
// server's, as for every read route (HttpServerConfig::cors_allowed_origins).
HttpResponse answer(const json& body) {
  HttpResponse response = json_response(body.dump());
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

HttpResponse refuse(unsigned http_status, std::string_view code, std::string_view message) {
  return json_error(http_status, code, message);
}

HttpResponse refuse(const Status& status) { return json_error(status); }

Result<uint64_t> parse_height(std::string_view text) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return error(Code::invalid_argument, "from_height must be a decimal number");
  return std::stoull(std::string(text));
}

json certified_block_json(const chain::Block& block, const chain::CommitCertificate& commit) {
  return {{"height", block.header.height},
          {"header_hex", to_hex(chain::encode_header(block.header))},
          {"commit_hex", to_hex(chain::encode_commit(commit))}};
}

Result<json> certified_block(const NodeService& service, uint64_t height) {
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Block block, service.block(height));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::CommitCertificate commit, service.commit(height));
  return certified_block_json(block, commit);
}

Result<json> entry_json(const NodeService& service, ByteView key, uint64_t height) {
  GOVCHAIN_ASSIGN_OR_RETURN(ProvenState proven, service.prove(key, height));
  if (proven.head.height != height)
    return error(Code::unavailable, "the state moved on while the bundle was read; ask again");
  return json{{"key_hex", to_hex(key)},
              {"value_hex", proven.value ? json(to_hex(*proven.value)) : json(nullptr)},
              {"proof_hex", to_hex(state::encode_proof(proven.proof))}};
}

// Activation heights of validator set changes in (from_height, height].
Result<std::vector<uint64_t>> change_heights(const NodeService& service, const ChainHead& head, uint64_t from_height,
                                             const VerificationRouteLimits& limits) {
  auto state = service.state_at(head);
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t count, execution::read_validator_proposal_count(*state));
  if (count > limits.proposals_scanned_max)
    return error(Code::resource_exhausted, "too many validator proposals to scan for one bundle");
  std::vector<uint64_t> heights;
  for (uint64_t id = 1; id <= count; ++id) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto record, execution::read_validator_proposal(*state, id));
    if (!record || record->status != execution::ProposalStatus::activated) continue;
    const uint64_t activation = record->activation_height;
    if (activation > from_height && activation <= head.height) heights.push_back(activation);
  }
  std::sort(heights.begin(), heights.end());
  heights.erase(std::unique(heights.begin(), heights.end()), heights.end());
  if (heights.size() > limits.validator_changes_max)
    return error(Code::too_large, "more than " + std::to_string(limits.validator_changes_max) +
                                      " validator set changes after from_height; start from a later trust anchor");
  return heights;
}

Result<json> changes_json(const NodeService& service, const ChainHead& head, uint64_t from_height,
                          const VerificationRouteLimits& limits) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<uint64_t> heights, change_heights(service, head, from_height, limits));
  json changes = json::array();
  const Bytes validators_key = execution::keys::validators();
  for (uint64_t activation : heights) {
    GOVCHAIN_ASSIGN_OR_RETURN(ProvenState proven, service.prove(validators_key, activation - 1));
    if (!proven.value) return error(Code::internal, "no validator set in the state of a change");
    GOVCHAIN_ASSIGN_OR_RETURN(json block, certified_block(service, activation - 1));
    changes.push_back({{"activation_height", activation},
                       {"validators_value_hex", to_hex(*proven.value)},
                       {"proof_hex", to_hex(state::encode_proof(proven.proof))},
                       {"block", std::move(block)}});
  }
  return changes;
}

Result<std::vector<Bytes>> requested_keys(const HttpRequest& request, const VerificationRouteLimits& limits) {
  std::vector<Bytes> keys;
  for (const auto& [name, value] : request.query_parameters) {
    if (name != "key") continue;
    if (keys.size() == limits.keys_per_bundle_max)
      return error(Code::invalid_argument,
                   "at most " + std::to_string(limits.keys_per_bundle_max) + " keys per bundle");
    auto key = from_hex(value);
    if (!key.ok() || key->empty() || key->size() > 1024)
      return error(Code::invalid_argument, "each key must be 1..1024 bytes in hex");
    if (std::find(keys.begin(), keys.end(), *key) != keys.end())
      return error(Code::invalid_argument, "the same key twice");
    keys.push_back(std::move(*key));
  }
  if (keys.empty()) return error(Code::invalid_argument, "name at least one state key: /v1/bundle?key=HEX");
  return keys;
}

HttpResponse bundle_route(const NodeService& service, const HttpRequest& request,
                          const VerificationRouteLimits& limits) {
  auto keys = requested_keys(request, limits);
  if (!keys.ok()) return refuse(keys.status());
  uint64_t from_height = 1;
  if (auto text = request.query("from_height")) {
    auto parsed = parse_height(*text);
    if (!parsed.ok() || *parsed == 0) return refuse(400, "invalid_argument", "from_height must be a height >= 1");
    from_height = *parsed;
  }
  const ChainHead head = service.head();
  if (head.height == 0) return refuse(503, "unavailable", "no block yet; ask again after the first block");
  if (from_height > head.height)
    return refuse(400, "invalid_argument", "from_height lies after the latest block " + std::to_string(head.height));
  json entries = json::array();
  for (const Bytes& key : *keys) {
    auto entry = entry_json(service, key, head.height);
    if (!entry.ok()) return refuse(entry.status());
    entries.push_back(std::move(*entry));
  }
  auto block = certified_block(service, head.height);
  if (!block.ok()) return refuse(block.status());
  auto changes = changes_json(service, head, from_height, limits);
  if (!changes.ok()) return refuse(changes.status());
  return answer({{"chain_id", service.chain_id()},
                 {"height", head.height},
                 {"from_height", from_height},
                 {"block", std::move(*block)},
                 {"entries", std::move(entries)},
                 {"validator_changes", std::move(*changes)}});
}

HttpResponse trust_anchor_route(const NodeService& service) {
  auto genesis = chain::parse_genesis(service.genesis_json());
  if (!genesis.ok()) return refuse(genesis.status());
  json keys = json::array();
  for (const PublicKey& key : chain::validator_keys(*genesis)) keys.push_back(key.hex());
  return answer({{"format", "govchain-trust-anchor"},
                 {"version", 1},
                 {"chain_id", genesis->chain_id},
                 {"height", 1},
                 {"validators", std::move(keys)}});
}

std::filesystem::path page_path() {
  if (const char* configured = std::getenv("GOVCHAIN_VERIFY_PAGE"); configured != nullptr && *configured != '\0')
    return configured;
  std::error_code failure;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", failure);
  if (failure) return {};
  return executable.parent_path().parent_path() / "web" / "verify.html";
}

// The page text, or nullopt when there is none (the route then explains).
std::optional<std::string> read_page(const VerificationRouteLimits& limits) {
  const std::filesystem::path path = page_path();
  std::error_code failure;
  if (path.empty() || !std::filesystem::is_regular_file(path, failure) ||
      std::filesystem::file_size(path, failure) > limits.page_size_bytes_max)
    return std::nullopt;
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  if (!file.good() && !file.eof()) return std::nullopt;
  return text.str();
}

HttpResponse page_route(const std::shared_ptr<const std::optional<std::string>>& page) {
  if (!*page)
    return json_error(404, "not_found",
                      "the verification page was not built: run `make build` (it needs Node.js and npm) or set "
                      "GOVCHAIN_VERIFY_PAGE to a built web/verify.html");
  HttpResponse response;
  response.content_type = "text/html; charset=utf-8";
  response.body = **page;
  response.headers = {{"Cache-Control", "no-cache"},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Referrer-Policy", "no-referrer"},
                      {"Content-Security-Policy",
                       "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: "
                       "blob:; media-src blob: mediastream:; connect-src *; base-uri 'none'; form-action 'none'"}};
  return response;
}

}  // namespace

Status register_verification_routes(HttpServer& server, const NodeService& service, VerificationRouteLimits limits) {
  GOVCHAIN_TRY(server.add_route("GET", "/v1/bundle", [&service, limits](const HttpRequest& request) {
    return bundle_route(service, request, limits);
  }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/trust-anchor",
                                [&service](const HttpRequest&) { return trust_anchor_route(service); }));
  auto page = std::make_shared<const std::optional<std::string>>(read_page(limits));
  return server.add_route("GET", "/verify", [page](const HttpRequest&) { return page_route(page); });
}

}  // namespace govchain::rpc
