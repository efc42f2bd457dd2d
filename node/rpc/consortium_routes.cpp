#include "rpc/consortium_routes.h"

#include <nlohmann/json.hpp>

#include "execution/consortium_governance.h"
#include "execution/validator_governance.h"
#include "rpc/json_error.h"
#include "rpc/json_format.h"

namespace govchain::rpc {

namespace {

using json = nlohmann::json;

HttpResponse answer(const Result<json>& body) {
  if (!body.ok()) return json_error(body.status());
  return json_response(dump_json(*body));
}

Result<json> consortium_json(const NodeService& service) {
  // Every key of one answer is read from the state of one block.
  const ChainHead head = service.head();
  auto state = service.state_at(head);
  GOVCHAIN_ASSIGN_OR_RETURN(auto members, execution::read_members(*state));
  GOVCHAIN_ASSIGN_OR_RETURN(auto pending, execution::read_pending_contract_proposals(*state));
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t count, execution::read_contract_proposal_count(*state));
  json proposals = json::array();
  for (const auto& record : pending) proposals.push_back(contract_proposal_to_json(record, members.size()));
  json member_ids = json::array();
  for (const auto& id : members) member_ids.push_back(json_text(id));
  return json{{"state_height", head.height},
              {"members", std::move(member_ids)},
              {"approvals_needed", members.size() * 2 / 3 + 1},
              {"pending", std::move(proposals)},
              {"proposal_count", count}};
}

Result<json> proposal_json(const NodeService& service, std::string_view id_text) {
  if (id_text.empty() || id_text.size() > 19 || id_text.find_first_not_of("0123456789") != std::string_view::npos)
    return error(Code::invalid_argument, "proposal id must be a decimal number, as listed by GET /v1/consortium");
  const uint64_t id = std::stoull(std::string(id_text));
  const ChainHead head = service.head();
  auto state = service.state_at(head);
  GOVCHAIN_ASSIGN_OR_RETURN(auto record, execution::read_contract_proposal(*state, id));
  if (!record) {
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t count, execution::read_contract_proposal_count(*state));
    std::string known = count > 0 ? "ids 1.." + std::to_string(count) + " exist" : "no proposal has been made yet";
    return error(Code::not_found, "no contract proposal " + std::to_string(id) + " at height " +
                                      std::to_string(head.height) + " (" + known +
                                      "); list them with GET /v1/consortium");
  }
  GOVCHAIN_ASSIGN_OR_RETURN(auto members, execution::read_members(*state));
  json body = contract_proposal_to_json(*record, members.size());
  body["state_height"] = head.height;
  return body;
}

}  // namespace

Status register_consortium_routes(HttpServer& server, NodeService& service) {
  GOVCHAIN_TRY(server.add_route("GET", "/v1/consortium",
                                [&service](const HttpRequest&) { return answer(consortium_json(service)); }));
  return server.add_route("GET", "/v1/consortium/proposals/{id}", [&service](const HttpRequest& request) {
    return answer(proposal_json(service, request.path_parameter));
  });
}

}  // namespace govchain::rpc
