// libFuzzer target: what a browser sends the web consoles before any
// handler trusts it. The first byte picks the part:
//  - 0: the rest is a SQL console search (JSON, as POST /api/search's body);
//    parse_employee_search either refuses with invalid_argument or returns a
//    statement whose SQL text is one of the fixed shapes (nothing from the
//    request spliced in) with one or two parameters;
//  - 1: the rest is a Cookie header; a console with no open session finds
//    no user in it and answers 401.
// Seeds in corpus/console_request_fuzz/ are hand-made.
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "sql/console/employee_search.h"
#include "web/sign_in.h"

namespace {

using namespace cloister;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "console_request_fuzz: %s\n", what);
  std::abort();
}

void fuzz_search(std::string_view body) {
  auto request = nlohmann::json::parse(body, nullptr, false);
  if (request.is_discarded()) return;
  auto search = sql::console::parse_employee_search(request);
  if (!search.is_ok()) {
    if (search.status().code() != ErrorCode::invalid_argument) die("a refusal that is not invalid_argument");
    return;
  }
  static const std::string kPrefix = "SELECT name, ssn, salary FROM employees WHERE ";
  static const std::string kSuffix = " ORDER BY salary LIMIT 200";
  const std::string& sql = search->sql;
  if (sql.size() < kPrefix.size() + kSuffix.size() || sql.rfind(kPrefix, 0) != 0 ||
      sql.compare(sql.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    die("a statement of another shape");
  }
  // Between them only a column, an operator and parameter names: nothing
  // the request said was spliced into the text.
  for (char c : sql.substr(kPrefix.size(), sql.size() - kPrefix.size() - kSuffix.size())) {
    if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && c != ' ' && c != '<' && c != '>' && c != '=' &&
        c != '@' && c != '2')
      die("a character from the request in the SQL text");
  }
  if (search->params.empty() || search->params.size() > 2) die("a statement with no or too many parameters");
}

web::SignIn& console() {
  static std::unique_ptr<web::SignIn> sign_in = [] {
    std::vector<web::Account> accounts;
    accounts.push_back({"fuzz", SecretBytes(as_bytes("password"))});
    return std::move(web::SignIn::create("console", std::move(accounts))).value();
  }();
  return *sign_in;
}

void fuzz_cookie(std::string_view header) {
  httplib::Request request;
  request.headers.emplace("Cookie", std::string(header));
  httplib::Response response;
  if (console().require_user(request, response)) die("a session out of nothing");
  if (response.status != 401) die("no 401 without a session");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    fuzz_search(rest);
  } else {
    fuzz_cookie(rest);
  }
  return 0;
}
