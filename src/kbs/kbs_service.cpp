#include "kbs/kbs_service.h"

#include <charconv>

#include "common/encoding.h"
#include "common/log.h"
#include "crypto/constant_time.h"
#include "kbs/key_operations.h"

namespace cloister::kbs {

namespace {

using http::send_error;
using http::send_json;
using http::send_status;

// A failed fetch from an authority is the upstream's fault, not ours.
void send_failure(httplib::Response& response, const Status& status) {
  if (status.code() == ErrorCode::io_error) {
    send_error(response, 502, "BadGateway", status.message());
  } else {
    send_status(response, status);
  }
}

Result<std::optional<nlohmann::json>> optional_policy(const nlohmann::json& body) {
  if (!body.contains("release_policy") || body["release_policy"].is_null())
    return std::optional<nlohmann::json>();
  return std::optional<nlohmann::json>(body["release_policy"]);
}

std::string string_member(const nlohmann::json& body, const char* name) {
  return body.contains(name) && body[name].is_string() ? body[name].get<std::string>() : std::string();
}

}  // namespace

Service::~Service() {
  Status flushed = releaser_.flush_counted_refusals();
  if (!flushed.is_ok())
    spdlog::error("kbs: cannot write the count of refusals to the audit log: {}", flushed.message());
  secure_wipe(credential_.data(), credential_.size());
}

bool Service::authorized(const httplib::Request& request, httplib::Response& response) const {
  const std::string presented = http::bearer_token(request);
  if (!presented.empty() && crypto::constant_time_equal(as_bytes(presented), as_bytes(credential_)))
    return true;
  send_error(response, 401, "Unauthorized",
             presented.empty() ? "this endpoint needs \"Authorization: Bearer <admin credential>\" (the "
                                 "admin.credential file in the data directory)"
                               : "the administrator credential is wrong");
  return false;
}

void Service::install(httplib::Server& routes) {
  routes.Post("/keys", [this](const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) return;
    auto body = http::parse_json_object(request);
    if (!body.is_ok()) return send_status(response, body.status());
    if (!body->contains("name") || !(*body)["name"].is_string()) {
      return send_error(response, 400, "BadRequest", "\"name\" (string) is required");
    }
    std::string kty = body->contains("kty") ? string_member(*body, "kty") : "oct";
    unsigned size = 0;
    if (body->contains("size")) {
      if (!(*body)["size"].is_number_unsigned())
        return send_error(response, 400, "BadRequest", "\"size\" must be a number of bits");
      size = (*body)["size"].get<unsigned>();
    }
    auto spec = make_key_spec(kty, size);
    if (!spec.is_ok()) return send_status(response, spec.status());
    auto policy = optional_policy(*body);
    if (!policy.is_ok()) return send_status(response, policy.status());
    auto info = store_.create((*body)["name"].get<std::string>(), *spec, *policy);
    if (!info.is_ok()) return send_status(response, info.status());
    send_json(response, 201, to_json(*info));
  });

  routes.Put(R"(/keys/([^/]+))", [this](const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) return;
    auto body = http::parse_json_object(request);
    if (!body.is_ok()) return send_status(response, body.status());
    auto key = import_material(body->contains("key") ? (*body)["key"] : *body);
    if (!key.is_ok()) return send_status(response, key.status());
    auto policy = optional_policy(*body);
    if (!policy.is_ok()) return send_status(response, policy.status());
    auto info = store_.import(request.matches[1], std::move(key).value(), *policy);
    if (!info.is_ok()) return send_status(response, info.status());
    send_json(response, 201, to_json(*info));
  });

  routes.Get("/keys", [this](const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) return;
    auto keys = store_.list();
    if (!keys.is_ok()) return send_status(response, keys.status());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& info : *keys) list.push_back(to_json(info));
    send_json(response, 200, {{"keys", list}});
  });

  routes.Get(R"(/keys/([^/]+))", [this](const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) return;
    auto info = store_.get(request.matches[1]);
    if (!info.is_ok()) return send_status(response, info.status());
    send_json(response, 200, to_json(*info));
  });

  routes.Patch(R"(/keys/([^/]+))", [this](const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) return;
    auto body = http::parse_json_object(request);
    if (!body.is_ok()) return send_status(response, body.status());
    if (!body->contains("enabled") || !(*body)["enabled"].is_boolean()) {
      return send_error(response, 400, "BadRequest", "send {\"enabled\": true|false}");
    }
    auto info = store_.set_enabled(request.matches[1], (*body)["enabled"].get<bool>());
    if (!info.is_ok()) return send_status(response, info.status());
    send_json(response, 200, to_json(*info));
  });

  routes.Post(R"(/keys/([^/]+)/rotate)",
              [this](const httplib::Request& request, httplib::Response& response) {
                if (!authorized(request, response)) return;
                auto info = store_.rotate(request.matches[1]);
                if (!info.is_ok()) return send_status(response, info.status());
                send_json(response, 200, to_json(*info));
              });

  routes.Delete(R"(/keys/([^/]+))", [this](const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) return;
    const std::string name = request.matches[1];
    Status removed = store_.remove(name);
    if (!removed.is_ok()) return send_status(response, removed);
    send_json(response, 200, {{"deleted", name}});
  });

  routes.Put(R"(/keys/([^/]+)/policy)", [this](const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) return;
    auto body = http::parse_json_object(request);
    if (!body.is_ok()) return send_status(response, body.status());
    const nlohmann::json& policy = body->contains("release_policy") ? (*body)["release_policy"] : *body;
    auto info = store_.set_policy(request.matches[1], policy);
    if (!info.is_ok()) return send_status(response, info.status());
    send_json(response, 200, to_json(*info));
  });

  // Key Vault's /keys/{name}/{version}[/operation]. Three path segments never
  // match the two-segment routes above (httplib matches the whole path), and
  // the version segment is checked by the handlers, not the pattern, so a
  // malformed version gets an answer that says so instead of a bare 404.
  routes.Get(R"(/keys/([^/]+)/([^/]+))",
             [this](const httplib::Request& request, httplib::Response& response) {
               if (!authorized(request, response)) return;
               auto info = key_version_json(store_, request.matches[1], request.matches[2]);
               if (!info.is_ok()) return send_status(response, info.status());
               send_json(response, 200, *info);
             });
  auto operation = [this](KeyOperation op) {
    return [this, op](const httplib::Request& request, httplib::Response& response) {
      if (!authorized(request, response)) return;
      auto result = run_key_operation(store_, op, request.matches[1], request.matches[2], request.body);
      if (!result.is_ok()) return send_status(response, result.status());
      std::string value = to_base64url(result->value);
      send_json(response, 200, {{"kid", result->kid}, {"value", value}});
      // Best effort: the JSON temporary and httplib's response body keep copies.
      secure_wipe(value.data(), value.size());
    };
  };
  routes.Post(R"(/keys/([^/]+)/([^/]+)/unwrapkey)", operation(KeyOperation::unwrap_key));
  routes.Post(R"(/keys/([^/]+)/([^/]+)/sign)", operation(KeyOperation::sign));

  routes.Get("/audit", [this](const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) return;
    std::size_t limit = 1000;
    if (request.has_param("limit")) {
      const std::string text = request.get_param_value("limit");
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
      if (ec != std::errc() || end != text.data() + text.size() || limit == 0 || limit > 100'000) {
        return send_error(response, 400, "BadRequest", "limit must be 1..100000");
      }
    }
    auto records = store_.audit_records(limit, request.get_param_value("key"));
    if (!records.is_ok()) return send_status(response, records.status());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& record : *records) list.push_back(to_json(record));
    send_json(response, 200, {{"records", list}});
  });

  routes.Get("/audit/verify", [this](const httplib::Request& request, httplib::Response& response) {
    if (!authorized(request, response)) return;
    auto verified = store_.verify_audit();
    if (!verified.is_ok()) return send_status(response, verified.status());
    send_json(response, 200,
              {{"rows", verified->rows}, {"head_hash", verified->head_hash}, {"intact", true}});
  });

  routes.Post(R"(/keys/([^/]+)/release)",
              [this](const httplib::Request& request, httplib::Response& response) {
                answer_release(releaser_, request.matches[1], request.body, response);
              });
}

void answer_release(Releaser& releaser, const std::string& key_name, std::string_view body_text,
                    httplib::Response& response, ReleaseTrace* trace) {
  ReleaseRequest release{.key_name = key_name};
  auto body = http::parse_json_object(body_text);
  if (body.is_ok()) {
    release.token = string_member(*body, "target");
    if (body->contains("nonce")) {
      if (!(*body)["nonce"].is_string())
        return send_error(response, 400, "BadRequest", "\"nonce\" must be a string");
      release.nonce = (*body)["nonce"].get<std::string>();
    }
  }
  // A malformed body still reaches the releaser, which audits the refusal.
  auto released = releaser.release(release);
  if (trace != nullptr) {
    trace->request = release;
    trace->result = released;
  }
  if (!released.is_ok()) return send_failure(response, body.is_ok() ? released.status() : body.status());
  send_json(response, 200, {{"value", released->value}, {"kid", released->kid}});
}

}  // namespace cloister::kbs
