"""The pure-Python ECDSA P-256 signer against RFC 6979's published vectors."""

from __future__ import annotations

import pytest

from app.net.tls import p256

# RFC 6979 A.2.5: the P-256 key and the SHA-256 signatures of "sample" and "test".
PRIVATE = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
PUBLIC = p256.PublicKey(
    0x60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6,
    0x7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299,
)
SIGNATURES = {
    b"sample": (
        0xEFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716,
        0xF7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8,
    ),
    b"test": (
        0xF1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367,
        0x019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083,
    ),
}


def test_public_key_of_the_rfc_key() -> None:
    assert p256.public_key(PRIVATE) == PUBLIC
    assert p256.is_on_curve(PUBLIC)


@pytest.mark.parametrize("message", sorted(SIGNATURES))
def test_deterministic_signature_matches_rfc_6979(message: bytes) -> None:
    assert p256.sign(PRIVATE, message) == SIGNATURES[message]
    assert p256.verify(PUBLIC, message, SIGNATURES[message])


def test_verify_refuses_a_changed_message_or_signature() -> None:
    r, s = SIGNATURES[b"sample"]
    assert not p256.verify(PUBLIC, b"samplE", (r, s))
    assert not p256.verify(PUBLIC, b"sample", (r, s ^ 1))
    assert not p256.verify(PUBLIC, b"sample", (0, s))


def test_generated_keys_are_valid_and_distinct() -> None:
    first, second = p256.generate_key_pair(), p256.generate_key_pair()
    assert first.private != second.private
    for key in (first, second):
        assert 1 <= key.private < p256.N
        assert p256.is_on_curve(key.public)
        assert p256.verify(key.public, b"message", p256.sign(key.private, b"message"))
