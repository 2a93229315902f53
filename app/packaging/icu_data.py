"""Qt's ICU data library without the parts Qt never reads: 32 MB down to about 17 MB.

On Linux, QtCore links ICU, and `libicudata.so.NN` is a single symbol, `icudtNN_dat`, that
holds ICU's "common data" package: a table of contents (item names, sorted, and offsets)
followed by the items. Qt calls only ICU's converters (`ucnv_*`, for QStringDecoder of
encodings Qt lacks), collation (`ucol_*`, QCollator), calendar time-zone names (`ucal_*`,
QTimeZone::displayName) and case mapping (`u_strToUpper/Lower`, QLocale). Those read the
converter tables, `coll/`, `zone/`, `region/`, the locale bundles and the normalisation
and property data, all kept. What nothing reachable from those calls opens is dropped:
break-iteration dictionaries, transliterators, spelled-out numbers, unit, currency and
language display names, character names, StringPrep profiles.

The library is rewritten in place: the package shrinks, and what follows it in the ELF
file (`.dynamic` and the section headers) moves down by whole pages, so every alignment
the loader checks still holds. Pure Python, so that a build needs no ICU tools.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable
from pathlib import Path

# Trees (the path part after "icudtNNl/") and item suffixes nothing Qt calls reads.
DROPPED_TREES = frozenset({"brkitr", "translit", "rbnf", "unit", "curr", "lang"})
DROPPED_SUFFIXES = (".spp",)
DROPPED_ITEMS = frozenset({"unames.icu"})
LIBRARY_NAME = re.compile(r"^libicudata\.so\.\d+$")
PAGE = 0x1000
_ALIGN = 16


class UnexpectedLayout(ValueError):
    """The file is not the ELF or ICU layout this module knows how to trim."""


def keeps(item: str) -> bool:
    """Whether the trimmed package keeps the item named like 'icudt73l/coll/root.res'."""
    parts = item.split("/")
    if len(parts) > 2 and parts[1] in DROPPED_TREES:
        return False
    return not (parts[-1] in DROPPED_ITEMS or parts[-1].endswith(DROPPED_SUFFIXES))


def package_items(package: bytes) -> list[tuple[str, bytes]]:
    """The (name, bytes) of each item of an ICU common data package, in TOC order."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", package, 0)
    if (magic1, magic2) != (0xDA, 0x27):
        raise UnexpectedLayout("not an ICU data package")
    (count,) = struct.unpack_from("<I", package, header_size)
    entries = [struct.unpack_from("<II", package, header_size + 4 + 8 * i) for i in range(count)]
    items = []
    for index, (name_offset, data_offset) in enumerate(entries):
        start = header_size + name_offset
        name = package[start : package.index(b"\0", start)].decode("ascii")
        end = entries[index + 1][1] if index + 1 < count else len(package) - header_size
        items.append((name, package[header_size + data_offset : header_size + end]))
    return items


def build_package(header: bytes, items: Iterable[tuple[str, bytes]]) -> bytes:
    """An ICU common data package of `items` (already sorted, as the TOC must be)."""
    items = list(items)
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    toc_size = 4 + 8 * len(items)
    data_start = -(-(toc_size + len(names)) // _ALIGN) * _ALIGN
    entries = []
    name_offset, data_offset = toc_size, data_start
    body = bytearray()
    for name, data in items:
        entries.append(struct.pack("<II", name_offset, data_offset))
        name_offset += len(name) + 1
        padded = data + b"\0" * (-len(data) % _ALIGN)
        body += padded
        data_offset += len(padded)
    toc = struct.pack("<I", len(items)) + b"".join(entries) + names
    return header + toc + b"\0" * (data_start - len(toc)) + bytes(body)


def trim_package(package: bytes) -> bytes:
    (header_size,) = struct.unpack_from("<H", package, 0)
    kept = [(name, data) for name, data in package_items(package) if keeps(name)]
    return build_package(package[:header_size], kept)


def _sections(elf: bytes) -> list[list[int]]:
    shoff, shentsize, shnum = (
        struct.unpack_from("<Q", elf, 0x28)[0],
        *struct.unpack_from("<HH", elf, 0x3A),
    )
    return [
        list(struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize)) for i in range(shnum)
    ]


def trim_library(elf: bytes) -> bytes:
    """`elf` (a libicudata.so) with its data package trimmed; raises UnexpectedLayout."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise UnexpectedLayout("not a little-endian ELF64 file")
    sections = _sections(elf)
    dynsym = next((s for s in sections if s[1] == 11), None)  # SHT_DYNSYM
    if dynsym is None:
        raise UnexpectedLayout("no .dynsym")
    strtab = sections[dynsym[6]]
    symbols = []
    for offset in range(dynsym[4], dynsym[4] + dynsym[5], 24):
        name, _info, _other, shndx, value, size = struct.unpack_from("<IBBHQQ", elf, offset)
        label = elf[strtab[4] + name : elf.index(b"\0", strtab[4] + name)]
        symbols.append((offset, label, shndx, value, size))
    data_symbols = [s for s in symbols if re.fullmatch(rb"icudt\d+_dat", s[1])]
    if len(data_symbols) != 1:
        raise UnexpectedLayout("no single icudtNN_dat symbol")
    sym_offset, _label, shndx, address, size = data_symbols[0]
    section = sections[shndx]
    if section[3] != address or section[5] != size:
        raise UnexpectedLayout("the data symbol is not its section")
    start = section[4]
    trimmed = trim_package(elf[start : start + size])
    delta = -((size - len(trimmed)) // PAGE) * PAGE
    if delta == 0:
        return elf
    end = start + size
    if any(s[4] < end and s[3] > address for s in sections) or any(
        value > address for _o, _l, _n, value, _s in symbols
    ):
        raise UnexpectedLayout("something lies inside or after the data in memory")
    out = bytearray(elf[:start] + trimmed + b"\0" * (size + delta - len(trimmed)) + elf[end:])

    def shift(offset: int) -> int:
        return offset + delta if offset >= end else offset

    # Section headers: everything after the data moves down, the data's section shrinks.
    shoff = struct.unpack_from("<Q", elf, 0x28)[0]
    shentsize = struct.unpack_from("<H", elf, 0x3A)[0]
    new_shoff = shift(shoff)
    for index, header in enumerate(sections):
        if index == shndx:
            header[5] = size + delta
        elif header[4] >= end:
            header[4] += delta
            if header[2] & 0x2 and header[3]:  # SHF_ALLOC: its address moves too
                header[3] += delta
        struct.pack_into("<IIQQQQIIQQ", out, new_shoff + index * shentsize, *header)
    struct.pack_into("<Q", out, 0x28, new_shoff)
    # Program headers: the segment holding the data shrinks, later ones move.
    phoff = struct.unpack_from("<Q", elf, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    for index in range(phnum):
        at = phoff + index * phentsize
        kind, flags, offset, vaddr, paddr, filesz, memsz, align = struct.unpack_from(
            "<IIQQQQQQ", elf, at
        )
        if offset <= start and offset + filesz >= end and filesz:
            filesz += delta
            memsz += delta
        elif offset >= end:
            offset, vaddr, paddr = offset + delta, vaddr + delta, paddr + delta
        struct.pack_into(
            "<IIQQQQQQ", out, at, kind, flags, offset, vaddr, paddr, filesz, memsz, align
        )
    struct.pack_into("<Q", out, sym_offset + 16, len(trimmed))
    return bytes(out)


def trim_into(source: Path, folder: Path) -> Path:
    """Write the trimmed copy of `source` into `folder` (same file name); its path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    target.write_bytes(trim_library(source.read_bytes()))
    target.chmod(0o755)
    return target
