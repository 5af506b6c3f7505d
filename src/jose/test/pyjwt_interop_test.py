#!/usr/bin/env python3
"""Interoperability of src/jose with PyJWT and pyca/cryptography.

Run by ctest as: pyjwt_interop_test.py PATH/TO/jose_tool
  (a) tokens jose_tool signs verify with PyJWT; its JWKs match PyJWT's;
  (b) tokens PyJWT signs verify with jose_tool, and bad ones are refused;
  (c) JWEs cross both ways (decrypted here with cryptography's primitives).
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

TOOL = None
NOW = int(time.time())


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def run_tool(*args, ok=True):
    result = subprocess.run([TOOL, *args], capture_output=True, text=True, timeout=60)
    if ok and result.returncode != 0:
        raise AssertionError(f"jose_tool {args[0]} failed: {result.stderr}")
    return result


def pem(private_key):
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


# (algorithm, key) pairs generated once: RSA generation dominates the run time.
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KEYS = {
    "ES256": ec.generate_private_key(ec.SECP256R1()),
    "ES384": ec.generate_private_key(ec.SECP384R1()),
    "RS256": RSA_KEY,
    "PS256": RSA_KEY,
}


def pyjwt_jwk(public_key):
    """PyJWT's JWK of a public key, with EC coordinates at their full width.

    PyJWT 2.6 (Debian 12) drops leading zero bytes of x and y, so about one
    P-256 key in 128 gets a 31-byte coordinate; RFC 7518 section 6.2.1.2 says
    they MUST be full length, and jose_tool refuses short ones (see
    test_short_ec_coordinates_are_refused)."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public_key))
    width = (public_key.curve.key_size + 7) // 8
    for member in ("x", "y"):
        jwk[member] = b64url(unb64url(jwk[member]).rjust(width, b"\0"))
    return jwk


def ec_key_with_leading_zero_coordinate():
    """A P-256 key whose x or y starts with a zero byte: the case PyJWT gets wrong."""
    while True:
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        if numbers.x < 2 ** 248 or numbers.y < 2 ** 248:
            return key


def concat_kdf(z, apu=b"", apv=b""):
    other_info = b"".join(len(part).to_bytes(4, "big") + part for part in (b"A256GCM", apu, apv))
    other_info += (256).to_bytes(4, "big")
    return ConcatKDFHash(hashes.SHA256(), 32, other_info).derive(z)


class Interop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.pem_paths = {}
        for alg, key in KEYS.items():
            path = os.path.join(cls.dir.name, alg + ".pem")
            with open(path, "wb") as out:
                out.write(pem(key))
            cls.pem_paths[alg] = path

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as out:
            out.write(text)
        return path

    def claims(self, **changes):
        claims = {"iss": "https://attest.example", "sub": "enclave", "iat": NOW, "exp": NOW + 600,
                  "x-cloister-measurement": "ab" * 32}
        claims.update(changes)
        return claims

    # (a) ours -> PyJWT
    def test_pyjwt_verifies_our_tokens(self):
        for alg, key in KEYS.items():
            token = run_tool("sign", self.pem_paths[alg], alg, "kid-" + alg, json.dumps(self.claims())).stdout.strip()
            header = jwt.get_unverified_header(token)
            self.assertEqual(header["alg"], alg)
            self.assertEqual(header["kid"], "kid-" + alg)
            decoded = jwt.decode(token, key.public_key(), algorithms=[alg], issuer="https://attest.example")
            self.assertEqual(decoded, self.claims(), alg)
            # PyJWT must refuse it under another key of the type, or the check above proves nothing.
            other = OTHER_RSA_KEY if alg in ("RS256", "PS256") else ec.generate_private_key(key.curve)
            with self.assertRaises(jwt.InvalidSignatureError):
                jwt.decode(token, other.public_key(), algorithms=[alg])

    def test_our_jwks_match_pyjwt(self):
        for alg in ("ES256", "ES384", "RS256"):
            ours = json.loads(run_tool("jwk", self.pem_paths[alg]).stdout)
            theirs = pyjwt_jwk(KEYS[alg].public_key())
            for member in ("kty", "crv", "x", "y", "n", "e"):
                self.assertEqual(ours.get(member), theirs.get(member), f"{alg} {member}")
            # RFC 7638 thumbprint, computed independently.
            required = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}[theirs["kty"]]
            canonical = json.dumps({m: theirs[m] for m in required}, separators=(",", ":"), sort_keys=True)
            digest = hashes.Hash(hashes.SHA256())
            digest.update(canonical.encode())
            self.assertEqual(ours["kid"], b64url(digest.finalize()), alg)

    def test_short_ec_coordinates_are_refused(self):
        key = ec_key_with_leading_zero_coordinate()
        path = self.write("leading-zero.pem", pem(key).decode())
        ours = json.loads(run_tool("jwk", path).stdout)
        self.assertEqual(ours, {**ours, **pyjwt_jwk(key.public_key())})
        self.assertEqual({len(unb64url(ours["x"])), len(unb64url(ours["y"]))}, {32})
        # PyJWT's own, unpadded output: one coordinate is 31 bytes.
        short = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        short["kid"] = "short"
        jwks = self.write("short-jwks.json", json.dumps({"keys": [short]}))
        token = jwt.encode(self.claims(), key, algorithm="ES256", headers={"kid": "short"})
        result = run_tool("verify", jwks, token, str(NOW), ok=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("EC JWK coordinates must be 32 bytes for P-256", result.stderr)
        padded = self.write("padded-jwks.json", json.dumps({"keys": [{**pyjwt_jwk(key.public_key()), "kid": "short"}]}))
        self.assertEqual(json.loads(run_tool("verify", padded, token, str(NOW)).stdout), self.claims())

    # (b) PyJWT -> ours
    def jwks(self):
        keys = []
        for alg in ("ES256", "ES384", "RS256"):
            jwk = pyjwt_jwk(KEYS[alg].public_key())
            jwk["kid"] = "py-" + alg
            keys.append(jwk)
        keys.append({"kty": "oct", "k": b64url(b"hmac secret"), "kid": "py-HS256"})  # skipped, not refused
        return self.write("jwks.json", json.dumps({"keys": keys}))

    def py_token(self, alg, kid, claims=None, key=None):
        key = key if key is not None else KEYS[alg]
        return jwt.encode(claims or self.claims(), key, algorithm=alg, headers={"kid": kid})

    def test_we_verify_pyjwt_tokens(self):
        jwks = self.jwks()
        for alg in KEYS:
            kid = "py-RS256" if alg in ("RS256", "PS256") else "py-" + alg
            result = run_tool("verify", jwks, self.py_token(alg, kid), str(NOW), "https://attest.example")
            self.assertEqual(json.loads(result.stdout), self.claims(), alg)

    def test_we_refuse_bad_pyjwt_tokens(self):
        jwks = self.jwks()
        cases = [
            (self.py_token("ES256", "py-ES256", self.claims(exp=NOW - 3600)), "expired"),
            (self.py_token("ES256", "py-ES256", self.claims(nbf=NOW + 3600)), "not valid before"),
            (self.py_token("HS256", "py-HS256", key="hmac secret"), "\"HS256\" is not accepted"),
            (jwt.encode(self.claims(), None, algorithm="none", headers={"kid": "py-ES256"}), "alg none"),
            (self.py_token("ES256", "py-ES384"), "does not match the key type P-384"),
            (self.py_token("RS256", "py-ES256"), "does not match the key type P-256"),
            (self.py_token("ES256", "unknown"), "no key with kid"),
            (self.py_token("ES256", "py-ES256", key=ec.generate_private_key(ec.SECP256R1())),
             "signature does not verify"),
        ]
        for token, reason in cases:
            result = run_tool("verify", jwks, token, str(NOW), ok=False)
            self.assertEqual(result.returncode, 1, token)
            self.assertIn(reason, result.stderr, token)
        wrong_issuer = run_tool("verify", jwks, self.py_token("ES256", "py-ES256"), str(NOW), "https://other",
                                ok=False)
        self.assertIn("is not the expected", wrong_issuer.stderr)

    # (c) JWE both ways
    def decrypt_here(self, token, key):
        header_b64, encrypted_key, iv, ciphertext, tag = token.split(".")
        header = json.loads(unb64url(header_b64))
        self.assertEqual(header["enc"], "A256GCM")
        if header["alg"] == "RSA-OAEP-256":
            oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
            cek = key.decrypt(unb64url(encrypted_key), oaep)
        else:
            self.assertEqual(header["alg"], "ECDH-ES")
            self.assertEqual(encrypted_key, "")
            epk = header["epk"]
            curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}[epk["crv"]]
            peer = ec.EllipticCurvePublicNumbers(int.from_bytes(unb64url(epk["x"]), "big"),
                                                 int.from_bytes(unb64url(epk["y"]), "big"), curve).public_key()
            cek = concat_kdf(key.exchange(ec.ECDH(), peer))
        return AESGCM(cek).decrypt(unb64url(iv), unb64url(ciphertext) + unb64url(tag), header_b64.encode())

    def encrypt_here(self, plaintext, public_key):
        if isinstance(public_key, rsa.RSAPublicKey):
            cek = os.urandom(32)
            header = {"alg": "RSA-OAEP-256", "enc": "A256GCM"}
            oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
            encrypted_key = b64url(public_key.encrypt(cek, oaep))
        else:
            ephemeral = ec.generate_private_key(public_key.curve)
            numbers = ephemeral.public_key().public_numbers()
            size = (public_key.curve.key_size + 7) // 8
            apu, apv = b"cloister", b"enclave"
            header = {"alg": "ECDH-ES", "enc": "A256GCM", "apu": b64url(apu), "apv": b64url(apv),
                      "epk": {"kty": "EC", "crv": "P-256" if size == 32 else "P-384",
                              "x": b64url(numbers.x.to_bytes(size, "big")),
                              "y": b64url(numbers.y.to_bytes(size, "big"))}}
            cek = concat_kdf(ephemeral.exchange(ec.ECDH(), public_key), apu, apv)
            encrypted_key = ""
        header_b64 = b64url(json.dumps(header).encode())
        iv = os.urandom(12)
        sealed = AESGCM(cek).encrypt(iv, plaintext, header_b64.encode())
        return ".".join([header_b64, encrypted_key, b64url(iv), b64url(sealed[:-16]), b64url(sealed[-16:])])

    def test_jwe_both_ways(self):
        for alg in ("ES256", "ES384", "RS256"):
            key = KEYS[alg]
            ours = run_tool("encrypt", self.pem_paths[alg], "released column key").stdout.strip()
            self.assertEqual(self.decrypt_here(ours, key), b"released column key", alg)
            theirs = self.encrypt_here(b"dataset key", key.public_key())
            self.assertEqual(run_tool("decrypt", self.pem_paths[alg], theirs).stdout, "dataset key\n", alg)
            parts = theirs.split(".")
            parts[3] = b64url(bytes([unb64url(parts[3])[0] ^ 1]) + unb64url(parts[3])[1:])
            refused = run_tool("decrypt", self.pem_paths[alg], ".".join(parts), ok=False)
            self.assertIn("does not decrypt", refused.stderr, alg)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: pyjwt_interop_test.py PATH/TO/jose_tool")
    TOOL = sys.argv.pop(1)
    unittest.main(verbosity=2)
