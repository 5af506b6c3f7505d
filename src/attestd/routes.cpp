#include "attestd/routes.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "common/encoding.h"

namespace cloister::attestd {
namespace {

bool is_jws_compact(const std::string& text) {
  if (std::count(text.begin(), text.end(), '.') != 2) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

std::optional<std::string> if_match(const httplib::Request& request) {
  if (!request.has_header("If-Match")) return std::nullopt;
  std::string value = trim(request.get_header_value("If-Match"));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    value = value.substr(1, value.size() - 2);
  return value;
}

// The policy store for the path's {type}; null (and a 400 sent) for a type attestd does not serve.
PolicyStore* policies_for(AttestationService& service, const httplib::Request& request,
                          httplib::Response& response) {
  PolicyStore* store = service.find_policies(request.matches[1]);
  if (store != nullptr) return store;
  http::send_error(response, 400, "UnsupportedAttestationType",
                   "attestation type '" + std::string(request.matches[1]).substr(0, 64) +
                       "' is not supported; use Cloister, SgxEnclave, OpenEnclave, TdxVm or SevSnpVm");
  return nullptr;
}

bool authorised(const AttestationService& service, const httplib::Request& request,
                httplib::Response& response) {
  if (service.is_admin(http::bearer_token(request))) return true;
  spdlog::warn("attestd: {} {} refused: no or wrong administrator credential", request.method, request.path);
  response.set_header("WWW-Authenticate", "Bearer");
  http::send_error(response, 401, "Unauthorized",
                   "policy changes need the administrator credential: Authorization: Bearer <contents of "
                   "admin_credential in the attestd data directory>");
  return false;
}

nlohmann::json policy_json(const std::string& type, const PolicySnapshot& policy) {
  return {{"type", type},
          {"policy", policy.text},
          {"x-ms-policy-hash", policy.hash},
          {"default", policy.is_default}};
}

void send_policy_error(httplib::Response& response, const Status& status) {
  if (status.code() == ErrorCode::conflict) {
    http::send_error(response, 409, "Conflict", status.message());
    return;
  }
  if (status.code() != ErrorCode::invalid_argument) {
    http::send_status(response, status);
    return;
  }
  // "policy syntax error: line L, column C: ..." -> line and column as numbers too.
  nlohmann::json error = {{"code", "PolicySyntaxError"}, {"message", status.message()}};
  const std::string& message = status.message();
  if (auto pos = message.find("line "); pos != std::string::npos) {
    std::size_t line = 0;
    std::size_t column = 0;
    const char* end = message.data() + message.size();
    auto parsed_line = std::from_chars(message.data() + pos + 5, end, line);
    if (parsed_line.ec == std::errc() && std::string_view(parsed_line.ptr, end).starts_with(", column ")) {
      std::from_chars(parsed_line.ptr + 9, end, column);
      error["line"] = line;
      error["column"] = column;
    }
  }
  response.status = 400;
  response.set_content(
      nlohmann::json{{"error", error}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      "application/json");
}

void send_policy_result(httplib::Response& response, const PolicySnapshot& policy, const char* resolution) {
  response.set_header("ETag", "\"" + policy.hash + "\"");
  http::send_json(response, 200, {{"policyResolution", resolution}, {"x-ms-policy-hash", policy.hash}});
}

}  // namespace

Result<std::string> policy_from_body(const std::string& body) {
  const std::string trimmed = trim(body);
  if (trimmed.empty())
    return Status(ErrorCode::invalid_argument, "the request body is empty; send the policy text");
  if (!is_jws_compact(trimmed)) return body;
  const auto first = trimmed.find('.');
  const auto second = trimmed.find('.', first + 1);
  auto payload = from_base64url(std::string_view(trimmed).substr(first + 1, second - first - 1));
  if (!payload) return Status(ErrorCode::invalid_argument, "the policy JWS payload is not base64url");
  auto json = nlohmann::json::parse(payload->begin(), payload->end(), nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("AttestationPolicy") ||
      !json["AttestationPolicy"].is_string()) {
    return Status(ErrorCode::invalid_argument,
                  "the policy JWS payload must be {\"AttestationPolicy\": base64url(policy text)}");
  }
  auto text = from_base64url(json["AttestationPolicy"].get<std::string>());
  if (!text) return Status(ErrorCode::invalid_argument, "AttestationPolicy is not base64url");
  return to_string(*text);
}

void register_routes(http::Server& server, AttestationService& service) {
  auto& routes = server.routes();
  routes.Post(R"(/attest/([^/]+))", [&service](const httplib::Request& request, httplib::Response& response) {
    AttestOutcome outcome = service.attest_json(request.matches[1], request.body);
    if (outcome.refusal) {
      http::send_error(response, outcome.refusal->http_status, outcome.refusal->code,
                       outcome.refusal->message);
      return;
    }
    // A compact JWS is base64url and dots, nothing JSON must escape: the
    // answer is written directly rather than through the serializer, which
    // would scan the token byte by byte on the hot path.
    response.status = 200;
    response.set_content("{\"token\":\"" + outcome.token + "\"}", "application/json");
  });
  routes.Get("/certs", [&service](const httplib::Request&, httplib::Response& response) {
    http::send_json(response, 200, service.signer().jwks());
  });
  routes.Get("/.well-known/openid-configuration",
             [&service](const httplib::Request&, httplib::Response& response) {
               http::send_json(response, 200,
                               openid_configuration(service.options().issuer, service.signer().algorithm()));
             });
  routes.Get(R"(/policies/([^/:]+))",
             [&service](const httplib::Request& request, httplib::Response& response) {
               PolicyStore* store = policies_for(service, request, response);
               if (store == nullptr) return;
               const auto policy = store->current();
               response.set_header("ETag", "\"" + policy->hash + "\"");
               http::send_json(response, 200, policy_json(request.matches[1], *policy));
             });
  routes.Put(R"(/policies/([^/:]+))",
             [&service](const httplib::Request& request, httplib::Response& response) {
               PolicyStore* store = policies_for(service, request, response);
               if (store == nullptr || !authorised(service, request, response)) return;
               auto text = policy_from_body(request.body);
               if (!text) return http::send_status(response, text.status());
               auto updated = store->set(*text, if_match(request));
               if (!updated) return send_policy_error(response, updated.status());
               send_policy_result(response, **updated, "Updated");
             });
  routes.Post(R"(/policies/([^/:]+):reset)",
              [&service](const httplib::Request& request, httplib::Response& response) {
                PolicyStore* store = policies_for(service, request, response);
                if (store == nullptr || !authorised(service, request, response)) return;
                auto updated = store->reset(if_match(request));
                if (!updated) return send_policy_error(response, updated.status());
                send_policy_result(response, **updated, "Removed");
              });
}

}  // namespace cloister::attestd
