#include "tools/cleanroom_portal_routes.h"

#include <functional>

#include "http/http_server.h"

namespace cloister::cli {
namespace {

using nlohmann::json;

void answer(httplib::Response& response, const Result<json>& result) {
  if (result.is_ok()) return http::send_json(response, 200, *result);
  http::send_status(response, result.status());
}

}  // namespace

void add_portal_routes(httplib::Server& server, PortalAgent& agent, web::SignIn& sign_in) {
  serve_static(server, cleanroom_portal_files());
  sign_in.add_routes(server);
  // The handlers outlive this call: they hold pointers to the agent and the
  // sign-in, which the portal keeps for as long as it serves.
  web::SignIn* users = &sign_in;
  PortalAgent* party = &agent;
  // A read: signed in, then the step's answer.
  const auto get = [&server, users](const char* path, const std::function<Result<json>()>& step) {
    server.Get(path, [users, step](const httplib::Request& request, httplib::Response& response) {
      web::set_security_headers(response);
      if (!users->require_user(request, response)) return;
      answer(response, step());
    });
  };
  // A state change: signed in, JSON, then the step with the body.
  const auto post = [&server, users](const char* path, const std::function<Result<json>(const json&)>& step) {
    server.Post(path, [users, step](const httplib::Request& request, httplib::Response& response) {
      web::set_security_headers(response);
      if (!users->require_user(request, response) || !web::SignIn::require_json(request, response)) return;
      auto body = http::parse_json_object(request);
      if (!body.is_ok()) return http::send_status(response, body.status());
      answer(response, step(*body));
    });
  };
  const auto done = [](const Status& status) -> Result<json> {
    if (!status.is_ok()) return status;
    return json::object();
  };

  get("/api/overview", [party]() -> Result<json> { return party->overview(); });
  get("/api/enclave", [party] { return party->verify_enclave(); });
  get("/api/status", [party] { return party->status(); });
  get("/api/evaluation", [party] { return party->evaluation(); });
  post("/api/sign-contract", [party, done](const json&) { return done(party->sign_contract()); });
  post("/api/upload", [party](const json& body) -> Result<json> {
    if (!body.contains("csv") || !body["csv"].is_string())
      return Status(ErrorCode::invalid_argument, "send {\"csv\": the file's text}");
    return party->upload(body["csv"].get_ref<const std::string&>());
  });
  post("/api/release-key", [party, done](const json&) { return done(party->release_key()); });
  post("/api/train", [party](const json&) { return party->train(); });
  post("/api/model", [party](const json&) { return party->download_model(); });
}

}  // namespace cloister::cli
