// The collateral parsers on hand-written input: exact spans, timestamps,
// TCB info v2/v3 and QE identity, and the errors that name the field.
#include <gtest/gtest.h>

#include "dcap/collateral.h"
#include "dcap/collateral_span.h"
#include "dcap/collateral_time.h"
#include "dcap/qe_identity.h"
#include "dcap/tcb_info.h"

namespace cloister::dcap {
namespace {

std::string sgx_components(int first) {
  std::string out = "[";
  for (int i = 0; i < 16; ++i)
    out += std::string(i ? "," : "") + "{\"svn\":" + std::to_string(i == 0 ? first : 0) + "}";
  return out + "]";
}

std::string v3_sgx_tcb_info(const std::string& levels_extra = "") {
  return R"({"id":"SGX","version":3,"issueDate":"2024-01-01T00:00:00Z","nextUpdate":"2024-02-01T00:00:00Z",)"
         R"("fmspc":"00A067110000","pceId":"0000","tcbType":0,"tcbEvaluationDataNumber":16,"tcbLevels":[)"
         R"({"tcb":{"sgxtcbcomponents":)" +
         sgx_components(5) + R"(,"pcesvn":13},"tcbDate":"2023-08-09T00:00:00Z","tcbStatus":"UpToDate"})" +
         levels_extra + "]}";
}

TEST(Collateral, SpanIsTheExactBytes) {
  const std::string text =
      " {\"a\":\"}{\\\"\",\"tcbInfo\" : {\"x\":\"}\",\"y\":[1,{\"z\":2}]}\n, \"signature\":\"00\"} ";
  auto span = find_member_span(text, "tcbInfo");
  ASSERT_TRUE(span.is_ok()) << span.status().to_string();
  EXPECT_EQ(*span, "{\"x\":\"}\",\"y\":[1,{\"z\":2}]}");
  EXPECT_EQ(span->data(), text.data() + text.find("{\"x\""));  // a view into the input, not a copy
}

TEST(Collateral, SpanRejectsMalformed) {
  for (const char* bad : {
           "", "[]",
           "{\"tcbInfo\":{}",                  // unclosed outer object
           "{\"tcbInfo\":{\"a\":\"}\"}",       // unclosed: the brace is inside a string
           "{\"tcbInfo\":[]}",                 // not an object
           "{\"other\":{}}",                   // missing
           "{\"tcbInfo\":{},\"tcbInfo\":{}}",  // twice
           "{\"tcbInfo\":{}} x",               // trailing bytes
           "{\"tcbInfo\":{]}",                 // mismatched brackets
           "{\"tcbInfo\" {}}",                 // no colon
           "{\"tcbInfo\":{\"a\":\"\\",         // escape at the very end
       }) {
    EXPECT_FALSE(find_member_span(bad, "tcbInfo").is_ok()) << bad;
  }
  auto missing = find_member_span("{\"other\":{}}", "tcbInfo");
  EXPECT_NE(missing.status().message().find("\"tcbInfo\""), std::string::npos);
}

TEST(Collateral, SignedResponse) {
  const std::string text =
      "{\"enclaveIdentity\":{\"id\":\"QE\"},\"signature\":\"" + std::string(128, 'a') + "\"}";
  auto parsed = parse_signed_response(text, "enclaveIdentity");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->body, "{\"id\":\"QE\"}");
  EXPECT_EQ(parsed->signature.size(), 64U);
  EXPECT_FALSE(
      parse_signed_response("{\"enclaveIdentity\":{},\"signature\":\"abcd\"}", "enclaveIdentity").is_ok());
  EXPECT_FALSE(parse_signed_response("{\"enclaveIdentity\":{}}", "enclaveIdentity").is_ok());
  EXPECT_FALSE(check_json_depth(std::string(100, '['), 32).is_ok());
  EXPECT_TRUE(check_json_depth("[[\"[[[[\"]]", 2).is_ok());
}

TEST(Collateral, Iso8601IsStrict) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(parse_iso8601("2025-07-19T10:56:11Z").value(), 1752922571);
  EXPECT_EQ(parse_iso8601("2024-02-29T23:59:59.250Z").value(), 1709251199);
  EXPECT_EQ(format_iso8601(1752922571), "2025-07-19T10:56:11Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59Z");
  for (const char* bad :
       {"", "2025-07-19", "2025-07-19T10:56:11", "2025-07-19T10:56:11+00:00", "2025-07-19 10:56:11Z",
        "2025-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2025-04-31T00:00:00Z", "2025-07-19T24:00:00Z",
        "2025-07-19T10:60:00Z", "2025-07-19T10:56:60Z", "2025-07-19T10:56:11.Z", "2025-07-19T10:56:11ZZ",
        "+025-07-19T10:56:11Z", "2025-07-1aT10:56:11Z"}) {
    EXPECT_FALSE(parse_iso8601(bad).is_ok()) << bad;
  }
}

TEST(Collateral, TcbInfoV3) {
  auto info = parse_tcb_info(v3_sgx_tcb_info());
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_EQ(info->id, "SGX");
  EXPECT_EQ(info->version, 3U);
  EXPECT_EQ(info->fmspc, (Bytes{0x00, 0xa0, 0x67, 0x11, 0x00, 0x00}));
  ASSERT_EQ(info->tcb_levels.size(), 1U);
  EXPECT_EQ(info->tcb_levels[0].sgx_components[0].svn, 5);
  EXPECT_EQ(info->tcb_levels[0].pce_svn, 13);
  EXPECT_EQ(info->tcb_levels[0].status, TcbStatus::up_to_date);
  EXPECT_EQ(info->tcb_levels[0].tcb_date.text, "2023-08-09T00:00:00Z");
}

TEST(Collateral, TcbInfoV2) {
  std::string tcb = "{";
  for (int i = 1; i <= 16; ++i)
    tcb += "\"sgxtcbcomp" + std::string(i < 10 ? "0" : "") + std::to_string(i) +
           "svn\":" + std::to_string(i) + ",";
  tcb += "\"pcesvn\":10}";
  const std::string text =
      R"({"version":2,"issueDate":"2020-01-01T00:00:00Z","nextUpdate":"2020-02-01T00:00:00Z","fmspc":"00906ED50000",)"
      R"("pceId":"0000","tcbType":0,"tcbEvaluationDataNumber":5,"tcbLevels":[{"tcb":)" +
      tcb +
      R"(,"tcbDate":"2019-11-13T00:00:00Z","tcbStatus":"OutOfDate","advisoryIDs":["INTEL-SA-00001"]}]})";
  auto info = parse_tcb_info(text);
  ASSERT_TRUE(info.is_ok()) << info.status().to_string();
  EXPECT_EQ(info->id, "SGX");
  EXPECT_EQ(info->tcb_levels[0].sgx_components[15].svn, 16);
  EXPECT_EQ(info->tcb_levels[0].advisory_ids, std::vector<std::string>{"INTEL-SA-00001"});
}

TEST(Collateral, TcbInfoErrorsNameTheField) {
  auto expect_error = [](const std::string& text, const std::string& field) {
    auto info = parse_tcb_info(text);
    ASSERT_FALSE(info.is_ok()) << text;
    EXPECT_NE(info.status().message().find(field), std::string::npos) << info.status().message();
  };
  std::string good = v3_sgx_tcb_info();
  auto replace = [&good](const std::string& from, const std::string& to) {
    std::string out = good;
    out.replace(out.find(from), from.size(), to);
    return out;
  };
  expect_error(replace("\"fmspc\":\"00A067110000\"", "\"fmspc\":\"00A0671100\""), "tcbInfo.fmspc");
  expect_error(replace("\"tcbStatus\":\"UpToDate\"", "\"tcbStatus\":\"Fine\""),
               "tcbInfo.tcbLevels[0].tcbStatus");
  expect_error(replace("\"pcesvn\":13", "\"pcesvn\":-1"), "tcbInfo.tcbLevels[0].tcb.pcesvn");
  expect_error(replace("\"pcesvn\":13", "\"pcesvn\":1.5"), "tcbInfo.tcbLevels[0].tcb.pcesvn");
  expect_error(replace("{\"svn\":5}", "{\"svn\":256}"), "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[0].svn");
  expect_error(replace("{\"svn\":5},", ""), "must have 16 components");
  expect_error(replace("\"issueDate\":\"2024-01-01T00:00:00Z\"", "\"issueDate\":\"2024-01-01\""),
               "tcbInfo.issueDate");
  expect_error(replace("\"id\":\"SGX\"", "\"id\":\"SEV\""), "tcbInfo.id");
  expect_error(replace("\"id\":\"SGX\"", "\"id\":\"TDX\""), "tcbInfo.tdxModule");
  expect_error(replace("\"version\":3", "\"version\":4"), "tcbInfo.version");
  expect_error(replace("\"tcbType\":0,", ""), "tcbInfo.tcbType: missing");
  expect_error("{\"id\":", "not valid JSON");
  expect_error("[]", "not a JSON object");
}

TEST(Collateral, QeIdentity) {
  const std::string text =
      R"({"id":"QE","version":2,"issueDate":"2025-06-19T10:01:18Z","nextUpdate":"2025-07-19T10:01:18Z",)"
      R"("tcbEvaluationDataNumber":17,"miscselect":"01000000","miscselectMask":"FFFFFFFF",)"
      R"("attributes":"11000000000000000000000000000000","attributesMask":"FBFFFFFFFFFFFFFF0000000000000000",)"
      R"("mrsigner":"8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF","isvprodid":1,)"
      R"("tcbLevels":[{"tcb":{"isvsvn":8},"tcbDate":"2024-03-13T00:00:00Z","tcbStatus":"UpToDate"},)"
      R"({"tcb":{"isvsvn":6},"tcbDate":"2021-11-10T00:00:00Z","tcbStatus":"OutOfDate","advisoryIDs":["INTEL-SA-00615"]}]})";
  auto identity = parse_qe_identity(text);
  ASSERT_TRUE(identity.is_ok()) << identity.status().to_string();
  EXPECT_EQ(identity->misc_select, 1U);  // the hex is the little-endian bytes
  EXPECT_EQ(identity->isv_prod_id, 1);
  ASSERT_EQ(identity->tcb_levels.size(), 2U);
  EXPECT_EQ(identity->tcb_levels[1].advisory_ids, std::vector<std::string>{"INTEL-SA-00615"});

  std::string bad = text;
  bad.replace(bad.find("\"isvprodid\":1"), 13, "\"isvprodid\":\"1\"");
  auto refused = parse_qe_identity(bad);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("enclaveIdentity.isvprodid"), std::string::npos);
}

TEST(Collateral, BundleErrorsNameTheField) {
  auto refused = parse_collateral_bundle("{\"tcb_info\":\"{}\"}");
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("collateral bundle"), std::string::npos);
  EXPECT_NE(refused.status().message().find("tcb_info"), std::string::npos);
  EXPECT_FALSE(parse_collateral_bundle("not json").is_ok());
  EXPECT_FALSE(parse_collateral_bundle("").is_ok());
}

}  // namespace
}  // namespace cloister::dcap
