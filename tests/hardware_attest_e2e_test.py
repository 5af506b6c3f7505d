#!/usr/bin/env python3
"""attestd's hardware endpoints end to end: real SGX, TDX and SEV-SNP evidence
from ../shared/test-vectors/attestation, a real attestd on a free loopback
port, tokens verified with PyJWT against the service's JWKS.

    hardware_attest_e2e_test.py CLOISTER VECTORS_DIR
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

CLOISTER, VECTORS = sys.argv[1], sys.argv[2]
ATT = os.path.join(VECTORS, "attestation")
if not os.path.isdir(ATT):
    print("SKIP: no test vectors at " + ATT)
    sys.exit(77)
EXPECTED = json.load(open(os.path.join(ATT, "expected.json")))
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what[:300])
    if not condition:
        failures.append(what)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def read(path):
    with open(os.path.join(ATT, path), "rb") as f:
        return f.read()


class Attestd:
    def __init__(self, work, name, *flags):
        self.dir = os.path.join(work, name)
        port_file = os.path.join(work, name + ".port")
        self.log = open(os.path.join(work, name + ".log"), "w")
        self.proc = subprocess.Popen(
            [CLOISTER, "attestd", "serve", "--data-dir", self.dir, "--port", "0", "--port-file", port_file, *flags],
            stdout=subprocess.DEVNULL, stderr=self.log)
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        self.url = "http://127.0.0.1:" + open(port_file).read().strip()
        for _ in range(100):
            try:
                urllib.request.urlopen(self.url + "/certs")
                break
            except OSError:
                time.sleep(0.05)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def verify(self, token):
        jwks = self.call("GET", "/certs")[1]
        header = jwt.get_unverified_header(token)
        key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
        return jwt.decode(token, jwt.PyJWK(key).key, algorithms=[header["alg"]], issuer=self.url,
                          options={"verify_aud": False})

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        check(self.proc.returncode == 0, f"{os.path.basename(self.dir)} stopped cleanly on SIGTERM")


def snp_report_json(report, vcek_der, chain_pem):
    """MAA's SevSnpVm "report": the SNP report and the VCEK, ASK and ARK as PEM."""
    vcek = x509.load_der_x509_certificate(read(vcek_der))
    chain = vcek.public_bytes(serialization.Encoding.PEM) + read(chain_pem)
    return json.dumps({"SnpReport": b64url(report), "VcekCertChain": b64url(chain)}).encode()


def attest(service, kind, field, evidence, **extra):
    return service.call("POST", "/attest/" + kind, {field: b64url(evidence), **extra})


def main():
    work = tempfile.mkdtemp()
    env_dir = os.path.join(work, "strict")
    # Collateral into the data directory, by FMSPC.
    for bundle in ("sgx/phala/sgx_quote_collateral.json", "tdx/phala/tdx_quote_collateral.json"):
        out = subprocess.run([CLOISTER, "attestd", "collateral", "add", "--data-dir", env_dir,
                              os.path.join(ATT, bundle)], capture_output=True, text=True)
        check(out.returncode == 0, "collateral add " + bundle + ": " + out.stdout.strip() + out.stderr.strip())
    listed = subprocess.run([CLOISTER, "attestd", "collateral", "list", "--data-dir", env_dir],
                            capture_output=True, text=True).stdout
    check("sgx fmspc 00a067110000" in listed and "tdx fmspc b0c06f000000" in listed, "collateral list: " + listed)

    # The phala collateral was current in July 2025: replay it as of then.
    strict = Attestd(work, "strict", "--collateral-time", "2025-07-01T00:00:00Z")

    # SGX quote with collateral: TCB status and advisories as Intel's QVL computes them.
    sgx = read("sgx/phala/sgx_quote")
    expected = EXPECTED["sgx/phala/sgx_quote"]
    status, body = attest(strict, "SgxEnclave", "quote", sgx, nonce="n-1")
    check(status == 200, f"SgxEnclave with collateral: {status} {body}")
    if status == 200:
        claims = strict.verify(body["token"])
        check(claims["x-ms-attestation-type"] == "sgx", "x-ms-attestation-type sgx")
        check(claims["x-ms-sgx-mrenclave"] == expected["report_body"]["mr_enclave"], "x-ms-sgx-mrenclave")
        check(claims["x-ms-sgx-mrsigner"] == expected["report_body"]["mr_signer"], "x-ms-sgx-mrsigner")
        check(claims["x-ms-sgx-is-debuggable"] is False, "x-ms-sgx-is-debuggable false")
        check(claims["x-ms-sgx-product-id"] == 0 and claims["x-ms-sgx-svn"] == 0, "product id and svn")
        check(claims["attester_tcb_status"] == "ConfigurationAndSWHardeningNeeded",
              "TCB status " + str(claims.get("attester_tcb_status")))
        check(sorted(claims["attester_advisory_ids"]) == ["INTEL-SA-00289", "INTEL-SA-00615"], "advisory ids")
        check("tcbinfohash" in claims["x-ms-sgx-collateral"] and "quotehash" in claims["x-ms-sgx-collateral"],
              "x-ms-sgx-collateral")
        check(claims["nonce"] == "n-1", "nonce echoed")
    status, body = attest(strict, "SgxEnclave", "quote", sgx, nonce="n-1")
    check(status == 409, f"a replayed nonce is refused: {status}")
    status, body = attest(strict, "SgxEnclave", "quote", sgx,
                          runtimeData={"data": b64url(b"not what the enclave bound"), "dataType": "Binary"})
    check(status == 400 and body["error"]["code"] == "RuntimeDataMismatch", f"runtime data mismatch: {body}")

    flipped = bytearray(sgx)
    flipped[200] ^= 1
    status, body = attest(strict, "SgxEnclave", "quote", bytes(flipped))
    check(status == 403 and "quote_signature" in body["error"]["message"], f"flipped byte: {status} {body}")
    status, body = attest(strict, "SgxEnclave", "quote", sgx[:300])
    check(status == 400 and body["error"]["code"] == "MalformedEvidence", f"truncated quote: {status} {body}")
    status, body = attest(strict, "TdxVm", "quote", sgx)
    check(status == 400 and body["error"]["code"] == "WrongEvidenceType", f"SGX quote to TdxVm: {body}")

    # TDX quote v4 with collateral.
    tdx = read("tdx/phala/tdx_quote")
    status, body = attest(strict, "TdxVm", "quote", tdx)
    check(status == 200, f"TdxVm with collateral: {status} {body}")
    if status == 200:
        claims = strict.verify(body["token"])
        body_expected = EXPECTED["tdx/phala/tdx_quote"]["report_body"]
        check(claims["x-ms-attestation-type"] == "tdxvm", "x-ms-attestation-type tdxvm")
        check(claims["tdx_mrtd"] == body_expected["mr_td"], "tdx_mrtd")
        check(claims["tdx_rtmr0"] == body_expected["rtmr0"], "tdx_rtmr0")
        check(claims["attester_tcb_status"] == "UpToDate", "TDX TCB status UpToDate")

    # Intel evidence without collateral for its FMSPC: refused, saying how to add it.
    oe_report = read("sgx/azure_samples/post.attest.oe_report.bin")
    status, body = attest(strict, "OpenEnclave", "report", oe_report)
    check(status == 403 and body["error"]["code"] == "CollateralMissing", f"no collateral: {body}")

    # SEV-SNP: MAA's report JSON with the VCEK chain. virtee's guest is not debug.
    report = bytes.fromhex(read("snp/virtee-milan/report_milan.hex").decode().strip())
    snp_json = snp_report_json(report, "snp/virtee-milan/vcek_milan.der", "snp/virtee-milan/cert_chain_milan")
    status, body = attest(strict, "SevSnpVm", "report", snp_json)
    check(status == 200, f"SevSnpVm: {status} {body}")
    if status == 200:
        claims = strict.verify(body["token"])
        snp_expected = EXPECTED["snp/virtee-milan/report_milan.hex"]["report"]
        check(claims["x-ms-attestation-type"] == "sevsnpvm", "x-ms-attestation-type sevsnpvm")
        check(claims["x-ms-sevsnpvm-launchmeasurement"] == snp_expected["measurement"], "launch measurement")
        check(claims["x-ms-sevsnpvm-is-debuggable"] is False, "x-ms-sevsnpvm-is-debuggable false")
    # go-sev-guest's guest policy has the debug bit: the default policy denies it.
    go_vcek, go_chain = "snp/go-sev-guest-milan/vcek.testcer", "snp/go-sev-guest-milan/milan.testcer"
    snp_json = snp_report_json(read("snp/go-sev-guest-milan/attestation.bin"), go_vcek, go_chain)
    status, body = attest(strict, "SevSnpVm", "report", snp_json)
    check(status == 403 and body["error"]["code"] == "PolicyDenied", f"debug SNP guest denied: {body}")
    # The wrong chip's VCEK.
    status, body = attest(strict, "SevSnpVm", "report", snp_report_json(report, go_vcek, go_chain))
    check(status == 403 and body["error"]["code"] == "EvidenceRejected", f"another chip's VCEK: {body}")

    status, body = strict.call("GET", "/policies/SgxEnclave")
    check(status == 200 and "x-ms-sgx-is-debuggable" in body["policy"], "GET /policies/SgxEnclave")
    status, body = strict.call("POST", "/attest/Nonsense", {"quote": "AA"})
    check(status == 400 and body["error"]["code"] == "UnsupportedAttestationType", "unknown type refused")
    status, _ = strict.call("GET", "/certs")
    check(status == 200, "attestd still serves after every refusal")
    strict.stop()

    # A service that accepts Intel evidence without collateral: Azure's own
    # sample request, and the claims Azure Attestation answered for it.
    lenient = Attestd(work, "lenient", "--allow-missing-collateral")
    # The file holds the token's header, then its claims: two JSON objects.
    text = open(os.path.join(ATT, "sgx/azure_samples/post.attest.response.jwt.body.json")).read()
    decoder = json.JSONDecoder()
    _, end = decoder.raw_decode(text)
    answered, _ = decoder.raw_decode(text[end:].lstrip())
    ehd = read("sgx/azure_samples/post.attest.ehd.bin")
    status, body = attest(lenient, "OpenEnclave", "report", oe_report,
                          runtimeData={"data": b64url(ehd), "dataType": "Binary"})
    check(status == 200, f"OpenEnclave (Azure's sample) without collateral: {status} {body}")
    if status == 200:
        claims = lenient.verify(body["token"])
        check(claims["x-ms-sgx-mrenclave"] == answered["sgx-mrenclave"], "mrenclave as Azure answered")
        check(claims["x-ms-sgx-mrsigner"] == answered["sgx-mrsigner"], "mrsigner as Azure answered")
        check(claims["x-ms-sgx-product-id"] == answered["product-id"], "product id as Azure answered")
        check(claims["x-ms-sgx-svn"] == answered["svn"], "svn as Azure answered")
        check(claims["x-ms-sgx-is-debuggable"] == answered["is-debuggable"], "is-debuggable as Azure answered")
        check(claims["x-ms-sgx-ehd"] == answered["maa-ehd"], "x-ms-sgx-ehd as Azure answered")
        check("attester_tcb_status" not in claims, "no TCB status without collateral")
    debug = read("sgx/azure_samples/intel_sdk_quotes/enclave.info.debug.quote.bin")
    status, body = attest(lenient, "SgxEnclave", "quote", debug)
    check(status == 403 and body["error"]["code"] == "PolicyDenied", f"debug enclave denied by default: {body}")
    lenient.stop()
    log = open(os.path.join(work, "strict.log")).read() + open(os.path.join(work, "lenient.log")).read()
    check(b64url(ehd) not in log, "runtime data never logged")
    subprocess.run(["rm", "-rf", work])
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


main()
