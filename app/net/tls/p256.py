"""ECDSA on NIST P-256 with SHA-256, in pure Python: a key pair and signatures.

Just enough to sign one self-signed certificate without bundling a second crypto library
(see self_signed.py for the choice). Points are kept in Jacobian coordinates so a scalar
multiplication needs one modular inverse, not 512; nonces are deterministic (RFC 6979),
so a signature never depends on the quality of a random number. Python's integers are
not constant-time: this signs a certificate for a local test server once, on the user's
own machine, which leaves no timing for anyone to observe.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import NamedTuple

# The curve y^2 = x^3 - 3x + B over GF(P), its base point G and the order N of G (FIPS 186-4).
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5

# (X, Y, Z) standing for the affine point (X/Z^2, Y/Z^3); Z == 0 is the point at infinity.
_Jacobian = tuple[int, int, int]
_INFINITY: _Jacobian = (1, 1, 0)


class PublicKey(NamedTuple):
    x: int
    y: int

    def encoded(self) -> bytes:
        """The uncompressed point 04 || X || Y (SEC 1 2.3.3), as certificates carry it."""
        return b"\x04" + self.x.to_bytes(32, "big") + self.y.to_bytes(32, "big")


class KeyPair(NamedTuple):
    private: int
    public: PublicKey


def _double(point: _Jacobian) -> _Jacobian:
    x1, y1, z1 = point
    if z1 == 0 or y1 == 0:
        return _INFINITY
    # dbl-2001-b, for curves with a = -3.
    delta = z1 * z1 % P
    gamma = y1 * y1 % P
    beta = x1 * gamma % P
    alpha = 3 * (x1 - delta) * (x1 + delta) % P
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y1 + z1) ** 2 - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return (x3, y3, z3)


def _add(first: _Jacobian, second: _Jacobian) -> _Jacobian:
    x1, y1, z1 = first
    x2, y2, z2 = second
    if z1 == 0:
        return second
    if z2 == 0:
        return first
    # add-2007-bl.
    z1z1 = z1 * z1 % P
    z2z2 = z2 * z2 % P
    u1 = x1 * z2z2 % P
    u2 = x2 * z1z1 % P
    s1 = y1 * z2 * z2z2 % P
    s2 = y2 * z1 * z1z1 % P
    h = (u2 - u1) % P
    r = 2 * (s2 - s1) % P
    if h == 0:
        return _double(first) if r == 0 else _INFINITY
    i = 4 * h * h % P
    j = h * i % P
    v = u1 * i % P
    x3 = (r * r - j - 2 * v) % P
    y3 = (r * (v - x3) - 2 * s1 * j) % P
    z3 = ((z1 + z2) ** 2 - z1z1 - z2z2) * h % P
    return (x3, y3, z3)


def _multiply(scalar: int, point: _Jacobian) -> _Jacobian:
    # Montgomery ladder: the same two operations for every bit of the scalar.
    low, high = _INFINITY, point
    for bit in range(N.bit_length() - 1, -1, -1):
        if (scalar >> bit) & 1:
            low, high = _add(low, high), _double(high)
        else:
            low, high = _double(low), _add(low, high)
    return low


def _affine(point: _Jacobian) -> PublicKey:
    x, y, z = point
    if z == 0:
        raise ValueError("the point at infinity has no affine coordinates")
    z_inverse = pow(z, -1, P)
    z2 = z_inverse * z_inverse % P
    return PublicKey(x * z2 % P, y * z2 * z_inverse % P)


def public_key(private: int) -> PublicKey:
    if not 1 <= private < N:
        raise ValueError("a P-256 private key is an integer in [1, N)")
    return _affine(_multiply(private, (GX, GY, 1)))


def generate_key_pair() -> KeyPair:
    private = secrets.randbelow(N - 1) + 1
    return KeyPair(private, public_key(private))


def is_on_curve(point: PublicKey) -> bool:
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x - 3 * x + B)) % P == 0


class _NonceStream:
    """The candidate nonces k of RFC 6979 3.2 for HMAC-SHA-256 and a 256-bit order."""

    def __init__(self, private: int, digest: bytes) -> None:
        key_bytes = private.to_bytes(32, "big")
        digest_bytes = (int.from_bytes(digest, "big") % N).to_bytes(32, "big")
        self._k = b"\x00" * 32
        self._v = b"\x01" * 32
        for separator in (b"\x00", b"\x01"):
            self._k = self._mac(self._v + separator + key_bytes + digest_bytes)
            self._v = self._mac(self._v)

    def _mac(self, data: bytes) -> bytes:
        return hmac.new(self._k, data, hashlib.sha256).digest()

    def __iter__(self) -> _NonceStream:
        return self

    def __next__(self) -> int:
        while True:
            self._v = self._mac(self._v)
            candidate = int.from_bytes(self._v, "big")
            # The state moves on after every candidate, used or not (step h.3).
            self._k = self._mac(self._v + b"\x00")
            self._v = self._mac(self._v)
            if 1 <= candidate < N:
                return candidate


def sign(private: int, message: bytes) -> tuple[int, int]:
    """The signature (r, s) of SHA-256(message)."""
    digest = hashlib.sha256(message).digest()
    e = int.from_bytes(digest, "big")
    for k in _NonceStream(private, digest):
        r = _affine(_multiply(k, (GX, GY, 1))).x % N
        if r == 0:
            continue
        s = pow(k, -1, N) * (e + r * private) % N
        if s != 0:
            return r, s
    raise AssertionError("unreachable: the nonce stream never ends")


def verify(public: PublicKey, message: bytes, signature: tuple[int, int]) -> bool:
    r, s = signature
    if not (1 <= r < N and 1 <= s < N) or not is_on_curve(public):
        return False
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")
    w = pow(s, -1, N)
    point = _add(_multiply(e * w % N, (GX, GY, 1)), _multiply(r * w % N, (public.x, public.y, 1)))
    return point[2] != 0 and _affine(point).x % N == r
