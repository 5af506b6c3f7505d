// The broker's REST API on the shared JSON server. Administration needs
// "Authorization: Bearer <admin credential>"; release needs only a token.
//
//   POST   /keys                    create {name, kty?, size?, release_policy?}
//   PUT    /keys/{name}             import {key: {kty:"oct",k} | pem, release_policy?}
//   GET    /keys, /keys/{name}      metadata and policy, never material
//   PATCH  /keys/{name}             {enabled: bool}
//   POST   /keys/{name}/rotate      new current version
//   DELETE /keys/{name}
//   PUT    /keys/{name}/policy      the policy (or {release_policy: ...})
//   GET    /audit[?key=&limit=]     audit records, oldest first
//   GET    /audit/verify            recompute the hash chain
//   POST   /keys/{name}/release     {target: token, nonce?} -> {value: JWE, kid}
//   GET    /keys/{name}/{version}   that version's metadata and public JWK
//   POST   /keys/{name}/{version}/unwrapkey  {alg: "RSA-OAEP", value} -> {kid, value}  (admin)
//   POST   /keys/{name}/{version}/sign       {alg: "RS256", value: digest} -> {kid, value}  (admin)
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cloister/result.h"
#include "http/http_server.h"
#include "kbs/authority_keys.h"
#include "kbs/key_store.h"
#include "kbs/release.h"

namespace cloister::kbs {

// What a release request became, for callers that check it (the fuzzer).
struct ReleaseTrace {
  std::optional<ReleaseRequest> request;  // set when the request reached the releaser
  Result<ReleaseResult> result = Status(ErrorCode::internal, "the request did not reach the releaser");
};

// POST /keys/{name}/release without the socket: parses the body, asks the
// releaser (which audits every outcome) and writes the JSON answer.
void answer_release(Releaser& releaser, const std::string& key_name, std::string_view body,
                    httplib::Response& response, ReleaseTrace* trace = nullptr);

class Service {
 public:
  Service(KeyStore& store, AuthorityKeys& authorities, std::string admin_credential,
          ReleaseOptions release = {})
      : store_(store), releaser_(store, authorities, release), credential_(std::move(admin_credential)) {}
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  void install(httplib::Server& routes);

 private:
  bool authorized(const httplib::Request& request, httplib::Response& response) const;

  KeyStore& store_;
  Releaser releaser_;
  std::string credential_;
};

}  // namespace cloister::kbs
