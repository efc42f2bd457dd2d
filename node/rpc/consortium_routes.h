// The API routes of shared-contract governance (docs/api.md, "Consortium"):
// GET /v1/consortium (members, open and approved proposals) and
// GET /v1/consortium/proposals/{id} (one proposal, decided or not), like
// the validator routes. Registered by register_api; `service` must outlive
// the server. Handlers are thread-safe as NodeService is.
#pragma once

#include "core/status.h"
#include "rpc/api.h"
#include "rpc/http_server.h"

namespace govchain::rpc {

Status register_consortium_routes(HttpServer& server, NodeService& service);

}  // namespace govchain::rpc
