// The secure key release sample's host. It never holds the data key:
//   secure_key_release_host encrypt --in FILE --out FILE.enc --key-out KEY.jwk
//     (the data owner, once: makes a key, encrypts the file; KEY.jwk goes to
//      `cloister kbs key import` and is then destroyed)
//   secure_key_release_host run IMAGE.signed --attestd URL --kbs URL --key NAME --file FILE.enc
//     (launches the enclave; gets its evidence attested; relays the token to
//      the key broker; hands the wrapped key and the file to the enclave)
#include "cloister/host.h"

#include <httplib.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "calls.h"
#include "common/encoding.h"
#include "crypto/rng.h"
#include "file_format.h"

namespace {

using namespace cloister;

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::not_found, "cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Status write_file(const std::string& path, std::string_view bytes, mode_t mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return Status(ErrorCode::io_error, "cannot write " + path);
  out.close();
  ::chmod(path.c_str(), mode);
  return Status::ok();
}

// POSTs JSON and returns the JSON answer; an error answer becomes a Status
// carrying the service's own message.
Result<nlohmann::json> post_json(const std::string& base_url, const std::string& path,
                                 const nlohmann::json& body) {
  httplib::Client client(base_url);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  auto response = client.Post(path, body.dump(), "application/json");
  if (!response) {
    return Status(ErrorCode::io_error,
                  "cannot reach " + base_url + ": " + httplib::to_string(response.error()));
  }
  auto answer = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status != 200) {
    std::string message = answer.is_object() && answer.contains("error")
                              ? answer["error"].value("message", "")
                              : response->body.substr(0, 200);
    return Status(ErrorCode::permission_denied,
                  base_url + path + " answered " + std::to_string(response->status) + ": " + message);
  }
  if (!answer.is_object()) return Status(ErrorCode::decode_error, base_url + path + " did not answer JSON");
  return answer;
}

int encrypt_command(const std::string& in, const std::string& out, const std::string& key_out) {
  auto plaintext = read_file(in);
  auto key = crypto::random_bytes(32);
  if (!plaintext.is_ok() || !key.is_ok()) {
    std::cerr << "error: " << (plaintext.is_ok() ? key.status() : plaintext.status()).to_string() << "\n";
    return 1;
  }
  SecretBytes data_key(std::move(key).value());
  auto sealed = skr::encrypt_file(data_key, as_bytes(*plaintext));
  if (!sealed.is_ok()) {
    std::cerr << "error: " << sealed.status().to_string() << "\n";
    return 1;
  }
  std::string jwk = nlohmann::json{{"kty", "oct"}, {"k", to_base64url(data_key)}}.dump();
  Status status = write_file(key_out, jwk, 0600);
  secure_wipe(jwk.data(), jwk.size());
  if (status.is_ok()) {
    status = write_file(out, std::string_view(reinterpret_cast<const char*>(sealed->data()), sealed->size()),
                        0644);
  }
  if (!status.is_ok()) {
    std::cerr << "error: " << status.to_string() << "\n";
    return 1;
  }
  std::cout << "encrypted " << plaintext->size() << " bytes into " << out << "; the key is in " << key_out
            << " (import it into the key broker, then delete it)\n";
  return 0;
}

int run_command(const std::string& image, const std::string& attestd_url, const std::string& kbs_url,
                const std::string& key_name, const std::string& file) {
  auto fail = [](const Status& status) {
    std::cerr << "error: " << status.to_string() << "\n";
    return 1;
  };
  auto enclave = Enclave::create(image, {});
  if (!enclave.is_ok()) return fail(enclave.status());
  std::cout << "1. enclave launched: measurement " << to_hex(enclave->identity().measurement) << "\n";

  auto nonce = crypto::random_bytes(16);
  if (!nonce.is_ok()) return fail(nonce.status());
  auto evidence = enclave->runtime_evidence(*nonce);
  if (!evidence.is_ok()) return fail(evidence.status());
  std::cout << "2. evidence made inside, binding the enclave's own public key (" << evidence->evidence.size()
            << " bytes)\n";

  nlohmann::json attest_request = {
      {"evidence", to_base64url(evidence->evidence)},
      {"runtimeData", {{"data", to_base64url(evidence->runtime_data)}, {"dataType", "JSON"}}},
      {"nonce", to_hex(*nonce)}};
  auto token = post_json(attestd_url, "/attest/Cloister", attest_request);
  if (!token.is_ok()) return fail(token.status());
  std::cout << "3. attestd verified it and issued a token\n";

  auto released = post_json(kbs_url, "/keys/" + key_name + "/release", {{"target", (*token)["token"]}});
  if (!released.is_ok()) return fail(released.status());
  std::cout << "4. kbs checked the token against the key's release policy and released "
            << released->value("kid", "") << ", wrapped to the enclave's key\n";

  auto installed = enclave->call(skr::InstallKey{released->value("value", "")});
  if (!installed.is_ok()) return fail(installed.status());
  std::cout << "5. the enclave unwrapped the key inside\n";

  auto sealed_file = read_file(file);
  if (!sealed_file.is_ok()) return fail(sealed_file.status());
  auto summary = enclave->call(skr::SummarizeFile{Bytes(sealed_file->begin(), sealed_file->end())});
  if (!summary.is_ok()) return fail(summary.status());
  std::cout << "6. the enclave decrypted " << file << ": " << summary->bytes << " bytes, " << summary->lines
            << " lines, sha256 " << to_hex(summary->sha256) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Cloister secure key release sample"};
  app.require_subcommand(1);
  std::string in, out, key_out;
  auto* encrypt =
      app.add_subcommand("encrypt", "Make a data key and encrypt a file under it (the data owner)");
  encrypt->add_option("--in", in, "plaintext file")->required();
  encrypt->add_option("--out", out, "encrypted file to write")->required();
  encrypt->add_option("--key-out", key_out, "where to write the key as a JWK (0600)")->required();

  std::string image, attestd_url, kbs_url, key_name, file;
  auto* run =
      app.add_subcommand("run", "Attest the enclave, get the key released to it, decrypt the file inside");
  run->add_option("image", image, "signed enclave image")->required()->check(CLI::ExistingFile);
  run->add_option("--attestd", attestd_url, "attestation service URL")->required();
  run->add_option("--kbs", kbs_url, "key broker URL")->required();
  run->add_option("--key", key_name, "name of the key in the broker")->required();
  run->add_option("--file", file, "encrypted file")->required()->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  if (encrypt->parsed()) return encrypt_command(in, out, key_out);
  return run_command(image, attestd_url, kbs_url, key_name, file);
}
