#!/usr/bin/env python3
"""Verify a cgear attestation report without cgear.

An independent check that the report format (docs/attestation.md) is plain
COSE_Sign1 / ES384 / X.509: this script shares no code with cgear. It needs
only Python's standard library and the `openssl` command (for the ECDSA
signature and the certificate chain, which the standard library lacks).

    verify_report.py REPORT [--nonce HEX] [--trusted CERT.pem]
                            [--measurement HEX] [--signer HEX] [--json]

Checks: the COSE_Sign1 structure and protected header {1: -35}; the ES384
signature over the Sig_structure with the public key of the report's
certificate; with --trusted, that this certificate chains (through the
report's cabundle) to CERT.pem; with --nonce / --measurement / --signer,
that the report carries these values. Prints the payload (JSON with
--json). Exit status 0 if every check passed, 1 otherwise.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile


class Malformed(Exception):
    pass


# --- a minimal CBOR (RFC 8949) decoder and encoder: definite lengths only ---

def _head(buf, pos):
    if pos >= len(buf):
        raise Malformed("truncated")
    ib = buf[pos]
    major, info = ib >> 5, ib & 0x1F
    pos += 1
    if info < 24:
        return major, info, pos
    sizes = {24: 1, 25: 2, 26: 4, 27: 8}
    if info not in sizes:
        raise Malformed("indefinite length or reserved value")
    n = sizes[info]
    if pos + n > len(buf):
        raise Malformed("truncated")
    return major, int.from_bytes(buf[pos:pos + n], "big"), pos + n


def decode(buf, pos=0, depth=0):
    """Decode one item at pos; return (value, next position)."""
    if depth > 16:
        raise Malformed("nested too deeply")
    major, val, pos = _head(buf, pos)
    if major == 0:
        return val, pos
    if major == 1:
        return -1 - val, pos
    if major in (2, 3):
        if pos + val > len(buf):
            raise Malformed("truncated string")
        data = bytes(buf[pos:pos + val])
        return (data if major == 2 else data.decode("utf-8")), pos + val
    if major == 4:
        items = []
        for _ in range(val):
            item, pos = decode(buf, pos, depth + 1)
            items.append(item)
        return items, pos
    if major == 5:
        result = {}
        for _ in range(val):
            key, pos = decode(buf, pos, depth + 1)
            if isinstance(key, (list, dict)) or key in result:
                raise Malformed("bad or repeated map key")
            result[key], pos = decode(buf, pos, depth + 1)
        return result, pos
    if major == 7 and val in (20, 21, 22):
        return {20: False, 21: True, 22: None}[val], pos
    raise Malformed("unsupported CBOR item (major type %d)" % major)


def _enc_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError("too large")


def encode(value):
    if isinstance(value, bytes):
        return _enc_head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _enc_head(3, len(data)) + data
    if isinstance(value, list):
        return _enc_head(4, len(value)) + b"".join(encode(v) for v in value)
    raise ValueError("cannot encode %r" % type(value))


# --- DER helpers for openssl -------------------------------------------------

def _der_len(n):
    if n < 128:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _der_int(b):
    b = b.lstrip(b"\x00") or b"\x00"
    if b[0] & 0x80:
        b = b"\x00" + b
    return b"\x02" + _der_len(len(b)) + b


def raw_to_der_sig(raw):
    """COSE's r || s (48 + 48 bytes) as a DER ECDSA-Sig-Value for openssl."""
    body = _der_int(raw[:48]) + _der_int(raw[48:])
    return b"\x30" + _der_len(len(body)) + body


def openssl(args, tmp):
    r = subprocess.run(["openssl"] + args, cwd=tmp, capture_output=True, text=True)
    return r.returncode == 0, (r.stdout + r.stderr).strip()


def der_to_pem(der, path):
    with open(path, "wb") as f:
        f.write(der)
    ok, out = openssl(["x509", "-inform", "DER", "-in", path, "-out", path + ".pem"], os.path.dirname(path))
    if not ok:
        raise Malformed("certificate does not parse: " + out)
    return path + ".pem"


# --- the checks ---------------------------------------------------------------

FIELDS = {"module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle", "public_key",
          "user_data", "nonce", "engine", "debug", "security_version"}


def verify(data, args):
    errors = []
    doc, end = decode(data)
    if end != len(data):
        raise Malformed("bytes after the document")
    if not (isinstance(doc, list) and len(doc) == 4):
        raise Malformed("not a COSE_Sign1 array of 4")
    protected, unprotected, payload_bytes, signature = doc
    if not isinstance(protected, bytes) or decode(protected) != ({1: -35}, len(protected)):
        raise Malformed("protected header is not {1: -35} (ES384)")
    if unprotected != {}:
        raise Malformed("unprotected header is not empty")
    if not isinstance(payload_bytes, bytes) or not isinstance(signature, bytes) or len(signature) != 96:
        raise Malformed("payload or signature malformed")
    payload, end = decode(payload_bytes)
    if end != len(payload_bytes) or not isinstance(payload, dict) or set(payload) != FIELDS:
        raise Malformed("payload is not the map of report fields")
    pcrs = payload["pcrs"]
    if set(pcrs) != {0, 1, 2, 8} or any(not isinstance(v, bytes) or len(v) != 48 for v in pcrs.values()):
        raise Malformed("pcrs are not 0, 1, 2, 8 of 48 bytes each")
    if payload["digest"] != "SHA384":
        raise Malformed("digest is not SHA384")

    with tempfile.TemporaryDirectory() as tmp:
        leaf = der_to_pem(payload["certificate"], os.path.join(tmp, "leaf.der"))
        ok, out = openssl(["x509", "-in", leaf, "-pubkey", "-noout", "-out", "pub.pem"], tmp)
        if not ok:
            raise Malformed("no public key in the certificate: " + out)
        # RFC 9052 section 4.4: Sig_structure = ["Signature1", protected, external_aad, payload]
        with open(os.path.join(tmp, "tbs.bin"), "wb") as f:
            f.write(encode(["Signature1", protected, b"", payload_bytes]))
        with open(os.path.join(tmp, "sig.der"), "wb") as f:
            f.write(raw_to_der_sig(signature))
        ok, out = openssl(["dgst", "-sha384", "-verify", "pub.pem", "-signature", "sig.der", "tbs.bin"], tmp)
        if not ok:
            errors.append("signature does not verify: " + out)
        if args.trusted:
            chain = []
            for i, der in enumerate(payload["cabundle"]):
                chain.append(der_to_pem(der, os.path.join(tmp, "ca%d.der" % i)))
            cmd = ["verify", "-partial_chain", "-CAfile", os.path.abspath(args.trusted)]
            if chain:
                with open(os.path.join(tmp, "bundle.pem"), "w") as out_f:
                    for c in chain:
                        out_f.write(open(c).read())
                cmd += ["-untrusted", "bundle.pem"]
            ok, out = openssl(cmd + [leaf], tmp)
            if not ok:
                errors.append("certificate not trusted: " + out)

    def want(name, value, expected_hex):
        if expected_hex is not None and (value is None or value.hex() != expected_hex.lower()):
            errors.append("%s differs" % name)

    want("nonce", payload["nonce"], args.nonce)
    want("measurement (PCR 0)", pcrs[0], args.measurement)
    want("signer (PCR 8)", pcrs[8], args.signer)
    return payload, errors


def printable(payload):
    def conv(v):
        if isinstance(v, bytes):
            return v.hex()
        if isinstance(v, dict):
            return {str(k): conv(x) for k, x in v.items()}
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v
    out = conv(payload)
    out["certificate"] = "%d bytes" % len(payload["certificate"])
    out["cabundle"] = ["%d bytes" % len(c) for c in payload["cabundle"]]
    return out


def main():
    ap = argparse.ArgumentParser(description="Verify a cgear attestation report (COSE_Sign1, ES384).")
    ap.add_argument("report")
    ap.add_argument("--nonce", help="expected nonce, hex")
    ap.add_argument("--trusted", help="trusted platform certificate (PEM)")
    ap.add_argument("--measurement", help="expected image measurement (PCR 0), hex")
    ap.add_argument("--signer", help="expected signer id (PCR 8), hex")
    ap.add_argument("--json", action="store_true", help="print the payload as JSON")
    args = ap.parse_args()
    with open(args.report, "rb") as f:
        data = f.read()
    try:
        payload, errors = verify(data, args)
    except (Malformed, UnicodeDecodeError) as e:
        print("verify_report: malformed report: %s" % e, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(printable(payload), indent=2))
    for e in errors:
        print("verify_report: REJECTED: %s" % e, file=sys.stderr)
    if not errors:
        print("verify_report: OK (signature%s)" % (", chain" if args.trusted else ""), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
