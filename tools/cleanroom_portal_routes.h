// The clean-room portal's JSON API, each route one step of the party's
// agent (cleanroom_portal_agent.h), only for a signed-in user; state
// changes only as application/json (web/sign_in.h):
//
//   GET  /api/overview       who this agent is, the contract
//   GET  /api/enclave        the enclave verified now: measurement, signer, how, when
//   POST /api/sign-contract  {}            the party's signature to the service
//   POST /api/upload         {"csv": text} checked, encrypted here, uploaded
//   POST /api/release-key    {}            to the enclave verified again
//   GET  /api/status         both parties, as the service sees them
//   POST /api/train          {}            a run, waited for
//   POST /api/model          {}            the model sealed to this party, opened
//   GET  /api/evaluation     alone vs the enclave's model on the held-out rows
#pragma once

#include <httplib.h>

#include <span>

#include "tools/cleanroom_portal_agent.h"
#include "web/sign_in.h"
#include "web/static_files.h"

// The page (web/cleanroom-portal), compiled in by cloister_web_assets.
std::span<const cloister::web::StaticFile> cleanroom_portal_files();

namespace cloister::cli {

// The largest CSV the page may send, as JSON.
inline constexpr std::size_t kMaxPortalRequest = std::size_t{64} << 20;

void add_portal_routes(httplib::Server& server, PortalAgent& agent, web::SignIn& sign_in);

}  // namespace cloister::cli
