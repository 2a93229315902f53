"""The few DER (ASN.1 distinguished encoding) pieces an X.509 certificate is made of.

Writers return the encoded bytes of one element; `read_element` walks encoded bytes one
element at a time, which is all it takes to find the fields of a certificate read back.
Only definite lengths and single-byte tags exist in what is written and read here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

BOOLEAN = 0x01
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
OBJECT_IDENTIFIER = 0x06
UTF8_STRING = 0x0C
PRINTABLE_STRING = 0x13
UTC_TIME = 0x17
GENERALIZED_TIME = 0x18
SEQUENCE = 0x30
SET = 0x31


class DerError(ValueError):
    """The bytes are not the DER this module expects."""


def element(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes((tag, length)) + content
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + content


def sequence(*items: bytes) -> bytes:
    return element(SEQUENCE, b"".join(items))


def set_of(*items: bytes) -> bytes:
    # DER orders the members of a SET OF by their encoding.
    return element(SET, b"".join(sorted(items)))


def integer(value: int) -> bytes:
    if value < 0:
        raise ValueError("only non-negative integers are written")
    # One more bit than the value needs keeps the sign bit clear.
    return element(INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def boolean(value: bool) -> bytes:
    return element(BOOLEAN, b"\xff" if value else b"\x00")


def bit_string(data: bytes) -> bytes:
    # The leading 0: no unused bits in the last byte (keys, signatures, whole bytes).
    return element(BIT_STRING, b"\x00" + data)


def named_bits(*bits: int) -> bytes:
    """A BIT STRING of flags numbered from the most significant bit (bits 0-7 only)."""
    if not bits or max(bits) > 7:
        raise ValueError("flags 0-7 only")
    value = sum({0x80 >> bit for bit in bits})
    # DER drops trailing zero bits: the unused count stops after the highest flag set.
    return element(BIT_STRING, bytes((7 - max(bits), value)))


def octet_string(data: bytes) -> bytes:
    return element(OCTET_STRING, data)


def utf8_string(text: str) -> bytes:
    return element(UTF8_STRING, text.encode("utf-8"))


def printable_string(text: str) -> bytes:
    return element(PRINTABLE_STRING, text.encode("ascii"))


def oid(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    body = bytearray((40 * arcs[0] + arcs[1],))
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return element(OBJECT_IDENTIFIER, bytes(body))


def explicit(number: int, content: bytes) -> bytes:
    """A context-specific constructed tag [number] around already encoded content."""
    return element(0xA0 | number, content)


def implicit(number: int, content: bytes) -> bytes:
    """A context-specific primitive tag [number] (GeneralName's dNSName, iPAddress)."""
    return element(0x80 | number, content)


def time(moment: datetime) -> bytes:
    """UTCTime up to 2049, GeneralizedTime after, as RFC 5280 4.1.2.5 prescribes."""
    moment = moment.astimezone(UTC)
    if moment.year < 2050:
        return element(UTC_TIME, moment.strftime("%y%m%d%H%M%SZ").encode("ascii"))
    return element(GENERALIZED_TIME, moment.strftime("%Y%m%d%H%M%SZ").encode("ascii"))


class Element(NamedTuple):
    tag: int
    content: bytes
    end: int  # where the next element starts


def read_element(data: bytes, start: int = 0) -> Element:
    if start + 2 > len(data):
        raise DerError("truncated element")
    tag, first = data[start], data[start + 1]
    position = start + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or position + count > len(data):
            raise DerError("bad length")
        length = int.from_bytes(data[position : position + count], "big")
        position += count
    end = position + length
    if end > len(data):
        raise DerError("truncated element")
    return Element(tag, data[position:end], end)


def read_children(content: bytes) -> list[Element]:
    children = []
    position = 0
    while position < len(content):
        child = read_element(content, position)
        children.append(child)
        position = child.end
    return children


def read_time(item: Element) -> datetime:
    text = item.content.decode("ascii", "replace")
    if item.tag == UTC_TIME:
        moment = datetime.strptime(text, "%y%m%d%H%M%SZ")
    elif item.tag == GENERALIZED_TIME:
        moment = datetime.strptime(text, "%Y%m%d%H%M%SZ")
    else:
        raise DerError("not a time")
    return moment.replace(tzinfo=UTC)
