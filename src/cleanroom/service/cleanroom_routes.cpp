// The service's REST routes (cleanroom_service.h lists them).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "cleanroom/service/cleanroom_service.h"
#include "common/encoding.h"
#include "crypto/sha.h"

namespace cloister::cleanroom {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxJsonBody = 1 << 20;
constexpr std::size_t kMaxNonce = 1024;

std::string sha256_hex(std::string_view body) {
  return to_hex(crypto::sha256(as_bytes(body)));
}

std::string party_in(const httplib::Request& request) {
  return request.matches.size() > 1 ? request.matches[1].str() : std::string();
}

bool is_upload(const std::string& path) {
  return path.ends_with("/dataset") || path.ends_with("/dataset/replacement");
}

json audit_json(const kbs::AuditRecord& record) {
  return {{"seq", record.seq},
          {"time", record.time},
          {"party", record.event.key},
          {"action", record.event.action},
          {"outcome", record.event.outcome},
          {"detail", record.event.reason},
          {"hash", record.hash}};
}

}  // namespace

void CleanroomService::install_routes() {
  httplib::Server& routes = http_->routes();
  // Only an upload may be large; everything else is a small JSON body,
  // refused before it is read.
  routes.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    if (is_upload(request.path)) return httplib::Server::HandlerResponse::Unhandled;
    const std::string length = request.get_header_value("Content-Length");
    std::size_t bytes = 0;
    const auto* end = length.data() + length.size();
    const bool sized = std::from_chars(length.data(), end, bytes).ptr == end;
    if (request.has_header("Transfer-Encoding") || (!length.empty() && (!sized || bytes > kMaxJsonBody))) {
      http::send_error(response, 413, "PayloadTooLarge",
                       "request body is too large (or not sized): at most 1 MiB with a Content-Length");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  routes.Get("/contract", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(std::string(contract_->bytes.begin(), contract_->bytes.end()), "application/json");
  });
  routes.Get("/status", [this](const httplib::Request&, httplib::Response& response) {
    http::send_json(response, 200, status_json());
  });
  routes.Post("/evidence", [this](const httplib::Request& request, httplib::Response& response) {
    auto body = http::parse_json_object(request);
    if (!body.is_ok()) return http::send_status(response, body.status());
    const auto nonce = body->contains("nonce") && (*body)["nonce"].is_string()
                           ? from_base64url((*body)["nonce"].get<std::string>())
                           : Result<Bytes>(Status(ErrorCode::invalid_argument, "nonce"));
    if (!nonce.is_ok() || nonce->empty() || nonce->size() > kMaxNonce)
      return http::send_error(response, 400, "BadRequest",
                              "nonce must be 1-1024 bytes, base64url: a fresh random value of yours");
    auto evidence = enclave_.call(CollaborationEvidence{.nonce = *nonce});
    if (!evidence.is_ok()) return http::send_status(response, evidence.status());
    http::send_json(response, 200,
                    {{"evidence", to_base64url(evidence->evidence)},
                     {"runtime_data", to_base64url(evidence->runtime_data)}});
  });

  routes.Put(std::string(kPartyPathPattern) + "/signature",
             [this](const httplib::Request& request, httplib::Response& response) {
               const std::string party = party_in(request);
               auto body = http::parse_json_object(request);
               if (!body.is_ok()) return http::send_status(response, body.status());
               auto signature = body->contains("signature") && (*body)["signature"].is_string()
                                    ? from_base64url((*body)["signature"].get<std::string>())
                                    : Result<Bytes>(Status(ErrorCode::invalid_argument, "signature"));
               if (!signature.is_ok())
                 return http::send_error(response, 400, "BadRequest", "signature must be base64url");
               Status verified = verify_contract_signature(*contract_, party, *signature);
               if (!verified.is_ok()) {
                 (void)store_->audit("contract-signature-refused", party, "denied", verified.message());
                 return http::send_status(response, verified);
               }
               Status saved = store_->save_signature(party, *signature);
               if (saved.is_ok())
                 saved = store_->audit("contract-signed", party, "ok", "contract " + contract_->hash_hex());
               if (!saved.is_ok()) return http::send_status(response, saved);
               http::send_json(response, 200, {{"party", party}, {"contract", contract_->hash_hex()}});
             });

  for (bool replacement : {false, true}) {
    routes.Put(std::string(kPartyPathPattern) + (replacement ? "/dataset/replacement" : "/dataset"),
               [this, replacement](const httplib::Request& request, httplib::Response& response,
                                   const httplib::ContentReader& reader) {
                 receive_dataset(request, response, reader, replacement);
               });
  }

  routes.Post(std::string(kPartyPathPattern) + "/key", [this](const httplib::Request& request,
                                                              httplib::Response& response) {
    const std::string party = party_in(request);
    if (!authenticate(request, response, sha256_hex(request.body), party)) return;
    auto body = http::parse_json_object(request);
    if (!body.is_ok()) return http::send_status(response, body.status());
    if (!body->contains("jwe") || !(*body)["jwe"].is_string())
      return http::send_error(response, 400, "BadRequest", "jwe (the sealed key release) is required");
    const bool replace = body->value("replace", false);
    Status released = release_key(party, (*body)["jwe"].get<std::string>(), replace);
    (void)store_->audit(replace ? "key-rereleased" : "key-released", party, released.is_ok() ? "ok" : "error",
                        released.is_ok() ? "dataset loaded in the enclave" : released.message());
    if (!released.is_ok()) return http::send_status(response, released);
    http::send_json(response, 200, status_json());
  });

  routes.Post(std::string(kPartyPathPattern) + "/withdraw", [this](const httplib::Request& request,
                                                                   httplib::Response& response) {
    const std::string party = party_in(request);
    if (!authenticate(request, response, sha256_hex(request.body), party)) return;
    Status withdrawn = withdraw(party);
    (void)store_->audit("withdrawn", party, withdrawn.is_ok() ? "ok" : "error",
                        withdrawn.is_ok() ? "signature, upload and key forgotten" : withdrawn.message());
    if (!withdrawn.is_ok()) return http::send_status(response, withdrawn);
    http::send_json(response, 200, {{"party", party}, {"withdrawn", true}});
  });

  routes.Post("/train", [this](const httplib::Request& request, httplib::Response& response) {
    auto party = authenticate(request, response, sha256_hex(request.body), "");
    if (!party) return;
    auto run = start_training(*party);
    if (!run.is_ok()) {
      (void)store_->audit("training-refused", *party, "error", run.status().message());
      return http::send_status(response, run.status());
    }
    http::send_json(response, 202, {{"run", *run}, {"state", "running"}});
  });

  routes.Get(std::string(kPartyPathPattern) + "/model", [this](const httplib::Request& request,
                                                               httplib::Response& response) {
    const std::string party = party_in(request);
    if (!authenticate(request, response, sha256_hex(request.body), party)) return;
    if (std::find(contract_->model_recipients.begin(), contract_->model_recipients.end(), party) ==
        contract_->model_recipients.end())
      return http::send_status(response,
                               Status(ErrorCode::permission_denied,
                                      "the contract gives " + party + " no model (see its outputs)"));
    auto model = store_->model(party);
    if (!model.is_ok()) return http::send_status(response, model.status());
    if (!model->has_value())
      return http::send_status(
          response, Status(ErrorCode::not_found,
                           "no model for " + party + " yet: every party must be in, then party train"));
    (void)store_->audit("model-downloaded", party, "ok",
                        "run " + std::to_string((*model)->first) + ", sealed to " + party);
    http::send_json(response, 200, {{"run", (*model)->first}, {"jwe", (*model)->second}});
  });

  routes.Get("/audit", [this](const httplib::Request& request, httplib::Response& response) {
    if (!authenticate(request, response, sha256_hex(request.body), "")) return;
    auto records = store_->audit_records();
    if (!records.is_ok()) return http::send_status(response, records.status());
    json out = json::array();
    for (const auto& record : *records) out.push_back(audit_json(record));
    http::send_json(response, 200, {{"records", std::move(out)}});
  });
}

}  // namespace cloister::cleanroom
