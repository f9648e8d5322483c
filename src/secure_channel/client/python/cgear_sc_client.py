#!/usr/bin/env python3
"""cgear secure channel client in Python: the protocol of
docs/secure-channel.md with the standard library and the `cryptography`
package (Debian: python3-cryptography). An independent implementation of
the client, used as an interoperability test against the C server.

As a module:

    c = SecureChannelClient(measurements=[bytes.fromhex(m)], trusted_cert_pem=pem)
    send(c.hello())            # the application carries the messages
    c.accept(receive())        # verifies the report, derives the keys
    send(c.encrypt(b"secret")); print(c.decrypt(receive()))
    send(c.close())

As a program, it speaks examples/secure_channel's framing (demo_wire.h):

    cgear_sc_client.py PORT --measurement HEX --trusted CERT.pem SECRET
"""

import argparse
import hashlib
import os
import socket
import struct
import sys
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Result codes (include/status.h) the client reports.
CODES = {
    "VERIFY_RA_REPORT": 0xCC000113, "MALFORMED": 0xCC000103, "DECRYPT": 0x53, "REPLAY": 0xCC000101,
    "SEQUENCE": 0xCC000102, "INVALID_SESSION": 0x5D, "CLOSED": 0xCC000105, "SESSION_KEY": 0xCC000114,
}

HDR = struct.Struct(">4sBBxxIQI")      # "CGSC", version, type, status, session, body length
REC = struct.Struct(">BBBxQQI")        # version, type, direction, session, sequence, length
HELLO, HELLO_RSP, CLOSE = 1, 2, 3
DATA_REC, CLOSE_REC = 1, 2
C2S, S2C = 0, 1
TRANSCRIPT_LABEL = b"cgear-sc-v1 transcript"
KEYS_LABEL = b"cgear-sc-v1 keys"


class SecureChannelError(Exception):
    def __init__(self, code, why):
        super().__init__(f"{why} (0x{CODES[code]:x}, {code})")
        self.code = code


# --- the part of CBOR (RFC 8949) a report uses: definite lengths only ---

def _cbor(buf, pos, depth=0):
    if depth > 16 or pos >= len(buf):
        raise ValueError("truncated or too deep")
    ib = buf[pos]
    major, info = ib >> 5, ib & 0x1F
    pos += 1
    if info >= 24:
        n = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
        if n is None or pos + n > len(buf):
            raise ValueError("bad length")
        info = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    if major == 0:
        return info, pos
    if major == 1:
        return -1 - info, pos
    if major in (2, 3):
        if pos + info > len(buf):
            raise ValueError("truncated string")
        s = bytes(buf[pos:pos + info])
        return (s if major == 2 else s.decode()), pos + info
    if major == 4:
        out = []
        for _ in range(info):
            v, pos = _cbor(buf, pos, depth + 1)
            out.append(v)
        return out, pos
    if major == 5:
        out = {}
        for _ in range(info):
            k, pos = _cbor(buf, pos, depth + 1)
            out[k], pos = _cbor(buf, pos, depth + 1)
        return out, pos
    if major == 7 and info in (20, 21, 22):
        return {20: False, 21: True, 22: None}[info], pos
    raise ValueError("unsupported CBOR item")


def verify_report(report, nonce, measurements, trusted_cert_pem, allow_debug=False, max_age=300):
    """The checks of docs/attestation.md a secure-channel client needs;
    returns the payload map. Raises SecureChannelError."""
    def refuse(why):
        raise SecureChannelError("VERIFY_RA_REPORT", "the enclave's report is refused: " + why)
    try:
        doc, end = _cbor(report, 0)
        if end != len(report) or not isinstance(doc, list) or len(doc) != 4:
            refuse("not a COSE_Sign1 document")
        prot, unprot, payload_b, sig = doc
        if prot != bytes.fromhex("a1013822") or unprot != {} or len(sig) != 96:
            refuse("not ES384 COSE_Sign1")
        payload, end = _cbor(payload_b, 0)
        if end != len(payload_b) or not isinstance(payload, dict):
            refuse("malformed payload")
    except ValueError as e:
        refuse(f"malformed ({e})")
    cert = x509.load_der_x509_certificate(payload["certificate"])
    tbs = b"\x84\x6aSignature1" + b"\x44" + prot + b"\x40" + b"\x59" + struct.pack(">H", len(payload_b)) + payload_b
    der_sig = utils.encode_dss_signature(int.from_bytes(sig[:48], "big"), int.from_bytes(sig[48:], "big"))
    try:
        cert.public_key().verify(der_sig, tbs, ec.ECDSA(hashes.SHA384()))
    except InvalidSignature:
        refuse("its signature does not verify")
    trusted = x509.load_pem_x509_certificate(trusted_cert_pem)
    if cert.public_bytes(serialization.Encoding.DER) != trusted.public_bytes(serialization.Encoding.DER):
        try:   # issued by the trusted certificate
            trusted.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                        ec.ECDSA(cert.signature_hash_algorithm))
        except (InvalidSignature, TypeError):
            refuse("its certificate is not the trusted platform's")
    if payload.get("nonce") != nonce:
        refuse("the nonce is not ours (a replayed answer?)")
    now = time.time() * 1000
    if max_age and (now - payload["timestamp"] > max_age * 1000 or payload["timestamp"] - now > 60000):
        refuse("stale or future timestamp")
    if payload["debug"] and not allow_debug:
        refuse("a debug enclave")
    if payload["pcrs"][0] not in measurements:
        refuse("the image measurement is not one we accept")
    return payload


class SecureChannelClient:
    def __init__(self, measurements, trusted_cert_pem, allow_debug=False, max_age=300):
        self.measurements = list(measurements)
        self.trusted = trusted_cert_pem
        self.allow_debug = allow_debug
        self.max_age = max_age
        self.session = None

    def hello(self):
        self.nonce = os.urandom(32)
        self.key = x25519.X25519PrivateKey.generate()
        pub = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.hello_body = self.nonce + pub
        return HDR.pack(b"CGSC", 1, HELLO, 0, 0, len(self.hello_body)) + self.hello_body

    def accept(self, answer):
        if len(answer) < HDR.size:
            raise SecureChannelError("MALFORMED", "short answer")
        magic, ver, typ, status, session, blen = HDR.unpack_from(answer)
        if magic != b"CGSC" or ver != 1 or typ != HELLO_RSP or blen != len(answer) - HDR.size:
            raise SecureChannelError("MALFORMED", "not a handshake answer")
        if status != 0:
            raise SecureChannelError("VERIFY_RA_REPORT", f"the server refused: 0x{status:x}")
        body = answer[HDR.size:]
        epub, report = body[:32], body[32:]
        payload = verify_report(report, self.nonce, self.measurements, self.trusted, self.allow_debug, self.max_age)
        th = hashlib.sha256(TRANSCRIPT_LABEL + self.hello_body + struct.pack(">Q", session) + epub).digest()
        if payload.get("public_key") != epub or payload.get("user_data") != th:
            raise SecureChannelError("VERIFY_RA_REPORT", "the report does not bind this handshake")
        z = self.key.exchange(x25519.X25519PublicKey.from_public_bytes(epub))
        if z == bytes(32):
            raise SecureChannelError("SESSION_KEY", "no shared secret")
        okm = HKDF(algorithm=hashes.SHA256(), length=88, salt=th, info=KEYS_LABEL).derive(z)
        self.k_c2s, self.k_s2c = AESGCM(okm[:32]), AESGCM(okm[32:64])
        self.iv_c2s, self.iv_s2c = okm[64:76], okm[76:88]
        self.session, self.seq_out, self.seq_in = session, 0, 0

    @staticmethod
    def _nonce(iv, seq):
        return iv[:4] + bytes(a ^ b for a, b in zip(iv[4:], struct.pack(">Q", seq)))

    def _seal(self, typ, data):
        hdr = REC.pack(1, typ, C2S, self.session, self.seq_out, len(data))
        rec = hdr + self.k_c2s.encrypt(self._nonce(self.iv_c2s, self.seq_out), data, hdr)
        self.seq_out += 1
        return rec

    def encrypt(self, data):
        return self._seal(DATA_REC, bytes(data))

    def decrypt(self, rec):
        if len(rec) < REC.size + 16:
            raise SecureChannelError("MALFORMED", "short record")
        ver, typ, direction, session, seq, n = REC.unpack_from(rec)
        if ver != 1 or rec[3] != 0 or typ not in (DATA_REC, CLOSE_REC) or direction != S2C or n != len(rec) - 40:
            raise SecureChannelError("MALFORMED", "not an enclave record")
        if session != self.session:
            raise SecureChannelError("INVALID_SESSION", "another session's record")
        try:
            data = self.k_s2c.decrypt(self._nonce(self.iv_s2c, seq), rec[REC.size:], rec[:REC.size])
        except InvalidTag:
            raise SecureChannelError("DECRYPT", "authentication failed") from None
        if seq < self.seq_in:
            raise SecureChannelError("REPLAY", "replayed record")
        if seq > self.seq_in and typ != CLOSE_REC:
            raise SecureChannelError("SEQUENCE", "a record is missing before this one")
        self.seq_in = seq + 1
        if typ == CLOSE_REC:
            raise SecureChannelError("CLOSED", "the enclave closed the session")
        return data

    def close(self):
        rec = self._seal(CLOSE_REC, b"")
        return HDR.pack(b"CGSC", 1, CLOSE, 0, self.session, len(rec)) + rec


# --- examples/secure_channel's framing (demo_wire.h) ---

def _send(sock, typ, payload):
    sock.sendall(struct.pack(">IB", len(payload) + 1, typ) + payload)


def _recv(sock):
    def exact(n):
        b = b""
        while len(b) < n:
            chunk = sock.recv(n - len(b))
            if not chunk:
                raise ConnectionError("connection closed")
            b += chunk
        return b
    total, typ = struct.unpack(">IB", exact(5))
    return typ, exact(total - 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("port", type=int)
    ap.add_argument("secret")
    ap.add_argument("--measurement", action="append", required=True, help="accepted image measurement (hex)")
    ap.add_argument("--trusted", required=True, help="the platform certificate (PEM)")
    ap.add_argument("--allow-debug", action="store_true")
    ap.add_argument("--check-tampering", action="store_true",
                    help="also check that changed and replayed copies of the answer are refused")
    a = ap.parse_args()
    with open(a.trusted, "rb") as f:
        pem = f.read()
    c = SecureChannelClient([bytes.fromhex(m) for m in a.measurement], pem, a.allow_debug)
    with socket.create_connection(("127.0.0.1", a.port)) as s:
        _send(s, 1, c.hello())
        typ, answer = _recv(s)
        try:
            c.accept(answer)
        except SecureChannelError as e:
            print(f"py_client: no secure channel: {e}", file=sys.stderr)
            return 1
        print(f"py_client: secure channel up, session {c.session:x}")
        _send(s, 2, struct.pack(">Q", c.session) + c.encrypt(a.secret.encode()))
        typ, msg = _recv(s)
        rec = msg[8:]
        if a.check_tampering:
            # what a man in the middle could do to the answer, each refused
            # with its code before the genuine record is read
            for name, bad in (("DECRYPT", rec[:30] + bytes([rec[30] ^ 1]) + rec[31:]),
                              ("MALFORMED", rec[:-1]),
                              ("INVALID_SESSION", rec[:4] + bytes([rec[4] ^ 1]) + rec[5:])):
                try:
                    c.decrypt(bad)
                    raise SystemExit(f"py_client: a changed record was accepted ({name})")
                except SecureChannelError as e:
                    if e.code != name:
                        raise SystemExit(f"py_client: {name} expected, got {e}")
        print("py_client: " + c.decrypt(rec).decode())
        if a.check_tampering:
            try:
                c.decrypt(rec)
                raise SystemExit("py_client: a replayed record was accepted")
            except SecureChannelError as e:
                if e.code != "REPLAY":
                    raise SystemExit(f"py_client: REPLAY expected, got {e}")
            print("py_client: changed, truncated, misdirected and replayed records refused")
        _send(s, 1, c.close())
    return 0


if __name__ == "__main__":
    sys.exit(main())
