#include "cleanroom/model_json.h"

#include <cmath>

namespace cloister::cleanroom {
namespace {

using nlohmann::json;

Status bad(const std::string& what) {
  return Status(ErrorCode::invalid_argument, "model: " + what);
}

Result<std::vector<double>> numbers(const json& doc, const char* name, std::size_t expected) {
  if (!doc.contains(name) || !doc[name].is_array() || doc[name].size() != expected)
    return bad(std::string(name) + " must list " + std::to_string(expected) + " numbers");
  std::vector<double> out;
  for (const json& value : doc[name]) {
    if (!value.is_number() || !std::isfinite(value.get<double>()))
      return bad(std::string(name) + " holds something that is not a finite number");
    out.push_back(value.get<double>());
  }
  return out;
}

}  // namespace

json model_to_json(const TrainedModel& trained) {
  const Model& m = trained.model;
  return {{"model", "cloister-cleanroom-model/1"},
          {"contract", trained.contract},
          {"algorithm", m.algorithm},
          {"features", trained.schema.features},
          {"label", trained.schema.label},
          {"positive", trained.schema.positive},
          {"negative", trained.schema.negative},
          {"trained_on", {{"parties", trained.parties}, {"rows", trained.rows}}},
          {"hidden", m.hidden},
          {"mean", m.mean},
          {"inv_std", m.inv_std},
          {"w1", m.w1},
          {"b1", m.b1},
          {"w2", m.w2},
          {"b2", m.b2}};
}

Result<TrainedModel> model_from_json(const json& doc) {
  if (!doc.is_object() || doc.value("model", "") != "cloister-cleanroom-model/1")
    return bad("not a cloister-cleanroom-model/1 document");
  TrainedModel out;
  Model& m = out.model;
  for (const char* name : {"contract", "algorithm", "label", "positive", "negative"}) {
    if (!doc.contains(name) || !doc[name].is_string()) return bad(std::string(name) + " is missing");
  }
  out.contract = doc["contract"];
  m.algorithm = doc["algorithm"];
  out.schema.label = doc["label"];
  out.schema.positive = doc["positive"];
  out.schema.negative = doc["negative"];
  if (!doc.contains("features") || !doc["features"].is_array() || doc["features"].empty() ||
      doc["features"].size() > kMaxFeatures)
    return bad("features must list the model's inputs");
  for (const json& feature : doc["features"]) {
    if (!feature.is_string()) return bad("features must be names");
    out.schema.features.push_back(feature);
  }
  m.inputs = out.schema.features.size();
  if (!doc.contains("hidden") || !doc["hidden"].is_number_unsigned() ||
      doc["hidden"].get<std::size_t>() > 256)
    return bad("hidden must be 0 to 256");
  m.hidden = doc["hidden"];
  if ((m.algorithm == "logistic_regression") != (m.hidden == 0) ||
      (m.algorithm != "logistic_regression" && m.algorithm != "mlp"))
    return bad("algorithm and hidden do not agree");
  CLOISTER_ASSIGN_OR_RETURN(m.mean, numbers(doc, "mean", m.inputs));
  CLOISTER_ASSIGN_OR_RETURN(m.inv_std, numbers(doc, "inv_std", m.inputs));
  CLOISTER_ASSIGN_OR_RETURN(m.w1, numbers(doc, "w1", m.hidden == 0 ? m.inputs : m.hidden * m.inputs));
  CLOISTER_ASSIGN_OR_RETURN(m.b1, numbers(doc, "b1", m.hidden == 0 ? 1 : m.hidden));
  CLOISTER_ASSIGN_OR_RETURN(m.w2, numbers(doc, "w2", m.hidden));
  if (!doc.contains("b2") || !doc["b2"].is_number()) return bad("b2 must be a number");
  m.b2 = doc["b2"];
  if (doc.contains("trained_on") && doc["trained_on"].is_object()) {
    const json& on = doc["trained_on"];
    if (on.contains("parties") && on["parties"].is_array())
      for (const json& p : on["parties"])
        if (p.is_string()) out.parties.push_back(p);
    if (on.contains("rows") && on["rows"].is_number_unsigned()) out.rows = on["rows"];
  }
  return out;
}

}  // namespace cloister::cleanroom
