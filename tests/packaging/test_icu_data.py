"""The trimmed ICU data library: a valid package, and Qt's ICU calls answer as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.packaging import icu_data

HEADER = bytes([0x20, 0x00, 0xDA, 0x27]) + bytes(28)

# Every ICU entry point QtCore imports (readelf --dyn-syms libQt6Core.so.6 | grep _73):
# collation, case mapping, time-zone names, converters.
PROBE = r"""
import json
from PySide6.QtCore import QByteArray, QCollator, QLocale, QStringDecoder, QTimeZone
german = QCollator(QLocale("de_DE"))
swedish = QCollator(QLocale("sv_SE"))
paris = QTimeZone(QByteArray(b"Europe/Paris"))
answers = {
    "de sort": sorted(["Zebra", "Äpfel", "apfel", "Bär"], key=german.sortKey),
    "sv ö after z": swedish.compare("ö", "z"),
    "tr upper": QLocale("tr_TR").toUpper("istanbul"),
    "de lower": QLocale("de_DE").toLower("STRASSE"),
    "zone names": [
        paris.displayName(kind, name, QLocale(locale))
        for locale in ("fr_FR", "en_US", "ja_JP")
        for kind in (QTimeZone.TimeType.StandardTime, QTimeZone.TimeType.DaylightTime)
        for name in (QTimeZone.NameType.LongName, QTimeZone.NameType.ShortName)
    ],
    "decoders": [
        QStringDecoder(name).isValid()
        for name in ("windows-1252", "Shift_JIS", "GB18030", "ISO-8859-7", "KOI8-R", "Big5")
    ],
    "codecs": len(QStringDecoder.availableCodecs()),
}
print(json.dumps(answers, ensure_ascii=False))
"""


def test_keeps_what_qt_reads_and_drops_the_rest() -> None:
    assert icu_data.keeps("icudt73l/coll/root.res")
    assert icu_data.keeps("icudt73l/zone/fr.res")
    assert icu_data.keeps("icudt73l/ibm-943_P15A-2003.cnv")
    assert icu_data.keeps("icudt73l/de.res")
    assert icu_data.keeps("icudt73l/nfc.nrm")
    assert not icu_data.keeps("icudt73l/brkitr/cjdict.dict")
    assert not icu_data.keeps("icudt73l/translit/root.res")
    assert not icu_data.keeps("icudt73l/lang/fr.res")
    assert not icu_data.keeps("icudt73l/unames.icu")
    assert not icu_data.keeps("icudt73l/rfc3491.spp")


def test_a_package_reads_back_item_for_item_aligned() -> None:
    items = [("icudt73l/a.res", b"abc"), ("icudt73l/b/c.res", b"x" * 33), ("icudt73l/d", b"")]
    package = icu_data.build_package(HEADER, items)
    read = icu_data.package_items(package)
    assert [name for name, _ in read] == [name for name, _ in items]
    for (_, data), (_, back) in zip(items, read, strict=True):
        assert back[: len(data)] == data
        assert back[len(data) :] == b"\0" * (len(back) - len(data))
        assert len(back) % 16 == 0


def test_trimming_drops_only_the_unread_items() -> None:
    items = [
        ("icudt73l/brkitr/word.brk", b"w" * 40),
        ("icudt73l/coll/root.res", b"c" * 20),
        ("icudt73l/unames.icu", b"n" * 8),
        ("icudt73l/zone/en.res", b"z" * 5),
    ]
    trimmed = icu_data.trim_package(icu_data.build_package(HEADER, items))
    assert [name for name, _ in icu_data.package_items(trimmed)] == [
        "icudt73l/coll/root.res",
        "icudt73l/zone/en.res",
    ]


def test_anything_else_is_refused() -> None:
    with pytest.raises(icu_data.UnexpectedLayout):
        icu_data.trim_library(b"MZ not an ELF file at all")
    with pytest.raises(icu_data.UnexpectedLayout):
        icu_data.package_items(bytes(64))


def _qt_icu_library() -> Path | None:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    return found[0] if found else None


def _probe(library_folder: Path | None) -> dict[str, object]:
    env = dict(os.environ)
    if library_folder is not None:
        # Searched before QtCore's own RUNPATH, so the trimmed copy is the one loaded.
        env["LD_LIBRARY_PATH"] = str(library_folder)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(sys.platform != "linux", reason="Qt links ICU on Linux only")
def test_qt_answers_the_same_from_the_trimmed_library(tmp_path: Path) -> None:
    source = _qt_icu_library()
    if source is None:
        pytest.skip("this PySide6 carries no ICU")
    trimmed = icu_data.trim_into(source, tmp_path)
    assert trimmed.stat().st_size < source.stat().st_size - 10_000_000
    assert _probe(tmp_path) == _probe(None)
