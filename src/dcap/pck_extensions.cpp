#include "dcap/pck_extensions.h"

#include <string>

#include "crypto/der_reader.h"

namespace cloister::dcap {
namespace {

namespace der = crypto::der;

const std::string kPrefix = std::string(kSgxExtensionsOid) + ".";

// An entry: SEQUENCE { OBJECT IDENTIFIER, value }.
struct Entry {
  std::string oid;
  der::Tlv value;
};

Result<Entry> read_entry(der::Reader& reader, const std::string& what) {
  CLOISTER_ASSIGN_OR_RETURN(der::Tlv sequence, reader.expect(der::kSequence, what));
  CLOISTER_ASSIGN_OR_RETURN(der::Reader inner, reader.enter(sequence));
  CLOISTER_ASSIGN_OR_RETURN(der::Tlv oid, inner.expect(der::kOid, what + " OID"));
  Entry entry;
  CLOISTER_ASSIGN_OR_RETURN(entry.oid, der::oid_to_string(oid.content));
  CLOISTER_ASSIGN_OR_RETURN(entry.value, inner.next());
  CLOISTER_RETURN_IF_ERROR(inner.finish(what + " " + entry.oid));
  return entry;
}

Result<Bytes> octets(const Entry& entry, std::size_t size, const char* name) {
  if (entry.value.tag != der::kOctetString || entry.value.content.size() != size) {
    return error(ErrorCode::decode_error, std::string("SGX extension ") + name +
                                              " must be an OCTET STRING of " + std::to_string(size) +
                                              " bytes");
  }
  return Bytes(entry.value.content.begin(), entry.value.content.end());
}

Result<PckTcb> parse_tcb(const der::Reader& parent, const der::Tlv& value) {
  if (value.tag != der::kSequence)
    return error(ErrorCode::decode_error, "SGX extension TCB must be a SEQUENCE");
  CLOISTER_ASSIGN_OR_RETURN(der::Reader reader, parent.enter(value));
  PckTcb tcb;
  std::uint32_t seen = 0;  // bit n set once component n (1..18) was read
  const std::string tcb_prefix = kPrefix + "2.";
  while (!reader.at_end()) {
    CLOISTER_ASSIGN_OR_RETURN(Entry entry, read_entry(reader, "TCB entry"));
    if (entry.oid.rfind(tcb_prefix, 0) != 0) {
      return error(ErrorCode::decode_error, "unexpected TCB entry " + entry.oid);
    }
    const std::string arc = entry.oid.substr(tcb_prefix.size());
    int index = 0;
    for (char c : arc) {
      if (c < '0' || c > '9' || index > 18)
        return error(ErrorCode::decode_error, "unexpected TCB entry " + entry.oid);
      index = index * 10 + (c - '0');
    }
    if (index < 1 || index > 18) return error(ErrorCode::decode_error, "unexpected TCB entry " + entry.oid);
    if (seen & (1u << index))
      return error(ErrorCode::decode_error, "TCB entry " + entry.oid + " appears twice");
    seen |= 1u << index;
    if (index == 18) {
      CLOISTER_ASSIGN_OR_RETURN(tcb.cpu_svn, octets(entry, 16, "CPUSVN"));
      continue;
    }
    if (entry.value.tag != der::kInteger) {
      return error(ErrorCode::decode_error, "TCB entry " + entry.oid + " must be an INTEGER");
    }
    const std::uint64_t max = index == 17 ? 0xffff : 0xff;
    auto number = der::integer_to_u64(entry.value.content, max);
    if (!number.is_ok()) return number.status().with_context("TCB entry " + entry.oid);
    if (index == 17) {
      tcb.pce_svn = static_cast<std::uint16_t>(*number);
    } else {
      tcb.comp_svn[static_cast<std::size_t>(index - 1)] = static_cast<std::uint8_t>(*number);
    }
  }
  if (seen != 0x7fffeu) {
    return error(ErrorCode::decode_error, "SGX extension TCB must hold components 1 to 18, each once");
  }
  return tcb;
}

Result<PckConfiguration> parse_configuration(const der::Reader& parent, const der::Tlv& value) {
  if (value.tag != der::kSequence) {
    return error(ErrorCode::decode_error, "SGX extension Configuration must be a SEQUENCE");
  }
  CLOISTER_ASSIGN_OR_RETURN(der::Reader reader, parent.enter(value));
  PckConfiguration configuration;
  const std::string config_prefix = kPrefix + "7.";
  while (!reader.at_end()) {
    CLOISTER_ASSIGN_OR_RETURN(Entry entry, read_entry(reader, "Configuration entry"));
    std::optional<bool>* slot = entry.oid == config_prefix + "1"   ? &configuration.dynamic_platform
                                : entry.oid == config_prefix + "2" ? &configuration.cached_keys
                                : entry.oid == config_prefix + "3" ? &configuration.smt_enabled
                                                                   : nullptr;
    if (slot == nullptr) return error(ErrorCode::decode_error, "unexpected Configuration entry " + entry.oid);
    if (slot->has_value())
      return error(ErrorCode::decode_error, "Configuration entry " + entry.oid + " appears twice");
    if (entry.value.tag != der::kBoolean) {
      return error(ErrorCode::decode_error, "Configuration entry " + entry.oid + " must be a BOOLEAN");
    }
    CLOISTER_ASSIGN_OR_RETURN(bool flag, der::boolean_value(entry.value.content));
    *slot = flag;
  }
  return configuration;
}

}  // namespace

Result<PckExtensions> parse_pck_extensions(ByteView input) {
  der::Reader top(input);
  CLOISTER_ASSIGN_OR_RETURN(der::Tlv sequence, top.expect(der::kSequence, "SGX extensions"));
  CLOISTER_RETURN_IF_ERROR(top.finish("SGX extensions"));
  CLOISTER_ASSIGN_OR_RETURN(der::Reader reader, top.enter(sequence));

  PckExtensions out;
  std::uint32_t seen = 0;
  while (!reader.at_end()) {
    CLOISTER_ASSIGN_OR_RETURN(Entry entry, read_entry(reader, "SGX extension entry"));
    const std::string arc = entry.oid.rfind(kPrefix, 0) == 0 ? entry.oid.substr(kPrefix.size()) : "";
    const int index = arc.size() == 1 && arc[0] >= '1' && arc[0] <= '7' ? arc[0] - '0' : 0;
    if (index == 0) return error(ErrorCode::decode_error, "unexpected SGX extension entry " + entry.oid);
    if (seen & (1u << index))
      return error(ErrorCode::decode_error, "SGX extension " + entry.oid + " appears twice");
    seen |= 1u << index;
    switch (index) {
      case 1: {
        CLOISTER_ASSIGN_OR_RETURN(out.ppid, octets(entry, 16, "PPID"));
        break;
      }
      case 2: {
        CLOISTER_ASSIGN_OR_RETURN(out.tcb, parse_tcb(reader, entry.value));
        break;
      }
      case 3: {
        CLOISTER_ASSIGN_OR_RETURN(out.pce_id, octets(entry, 2, "PCE-ID"));
        break;
      }
      case 4: {
        CLOISTER_ASSIGN_OR_RETURN(out.fmspc, octets(entry, 6, "FMSPC"));
        break;
      }
      case 5: {
        if (entry.value.tag != der::kEnumerated) {
          return error(ErrorCode::decode_error, "SGX extension SGX Type must be ENUMERATED");
        }
        CLOISTER_ASSIGN_OR_RETURN(std::uint64_t type, der::integer_to_u64(entry.value.content, 0xff));
        out.sgx_type = static_cast<std::uint32_t>(type);
        break;
      }
      case 6: {
        CLOISTER_ASSIGN_OR_RETURN(Bytes id, octets(entry, 16, "PlatformInstanceID"));
        out.platform_instance_id = std::move(id);
        break;
      }
      default: {
        CLOISTER_ASSIGN_OR_RETURN(out.configuration, parse_configuration(reader, entry.value));
        break;
      }
    }
  }
  constexpr std::uint32_t kRequired = 0x3e;  // PPID, TCB, PCE-ID, FMSPC, SGX Type
  if ((seen & kRequired) != kRequired) {
    return error(ErrorCode::decode_error, "SGX extensions lack PPID, TCB, PCE-ID, FMSPC or SGX Type");
  }
  return out;
}

Result<PckExtensions> pck_extensions_of(const crypto::Certificate& certificate) {
  std::optional<Bytes> content = certificate.extension(kSgxExtensionsOid);
  if (!content) {
    return error(ErrorCode::not_found, "certificate '" + certificate.subject() + "' has no SGX extensions (" +
                                           kSgxExtensionsOid + ")");
  }
  auto parsed = parse_pck_extensions(*content);
  if (!parsed.is_ok()) return parsed.status().with_context("certificate '" + certificate.subject() + "'");
  return parsed;
}

}  // namespace cloister::dcap
