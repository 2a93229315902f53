"""The rules file: the documented shape round-trips, and bad files are refused with why."""

from __future__ import annotations

import json

import pytest

from app.net.rules.rules_file import FORMAT_NAME, VERSION, RulesFileError, dump_rules, load_rules

ROWS = [
    ["Starts with", "PING", "PONG\\n", "Text", "0", "Keep open"],
    ["Regex", r"^GET (\d+)", "item $1", "Text", "250", "Close"],
    ["Hex pattern", "02 ?? 03", "06", "Hex", "0", "Keep open"],
]


def test_the_documented_shape() -> None:
    document = dump_rules(ROWS[1:2])
    assert document == {
        "format": FORMAT_NAME,
        "version": VERSION,
        "rules": [
            {
                "match": "Regex",
                "pattern": r"^GET (\d+)",
                "reply": "item $1",
                "reply_format": "Text",
                "delay_ms": 250,
                "then": "Close",
            }
        ],
    }


def test_round_trip_through_json_text() -> None:
    text = json.dumps(dump_rules(ROWS), indent=2, ensure_ascii=False)
    assert load_rules(json.loads(text)) == ROWS


def test_defaults_fill_the_optional_keys() -> None:
    document = {"version": 1, "rules": [{"match": "Exact", "pattern": "hi"}]}
    assert load_rules(document) == [["Exact", "hi", "", "Text", "0", "Keep open"]]


def test_a_bad_delay_cell_is_exported_as_typed() -> None:
    document = dump_rules([["Exact", "hi", "", "Text", "soon", "Keep open"]])
    rules = document["rules"]
    assert isinstance(rules, list) and rules[0]["delay_ms"] == "soon"
    with pytest.raises(RulesFileError, match='rule 1: "delay_ms" must be a whole number'):
        load_rules(document)


def _with(rule: dict[str, object]) -> dict[str, object]:
    return {
        "format": FORMAT_NAME,
        "version": 1,
        "rules": [{"match": "Exact", "pattern": "a"}, rule],
    }


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ([], "expected a JSON object"),
        ({"format": "http-routes", "version": 1, "rules": []}, "its format is 'http-routes'"),
        ({"rules": []}, '"version" must be a whole number'),
        ({"version": True, "rules": []}, '"version" must be a whole number'),
        ({"version": 2, "rules": []}, "version 2, written by a newer Socket Tester"),
        ({"version": 1}, '"rules" must be a list'),
        ({"version": 1, "rules": ["Exact PING"]}, "rule 1 is not an object"),
        (_with({"match": "Exact"}), "rule 2 has no 'pattern'"),
        (_with({"pattern": "a"}), "rule 2 has no 'match'"),
        (_with({"match": "Exact", "pattern": "a", "dealy_ms": 5}), "unknown key 'dealy_ms'"),
        (_with({"match": "Fuzzy", "pattern": "a"}), "'match' is 'Fuzzy', not one of Exact"),
        (_with({"match": "Exact", "pattern": 5}), "'pattern' must be a string, not 5"),
        (_with({"match": "Exact", "pattern": "a", "delay_ms": -1}), "from 0 to 3,600,000"),
        (_with({"match": "Exact", "pattern": "a", "delay_ms": 1.5}), "not 1.5"),
        (_with({"match": "Exact", "pattern": "a", "then": "Explode"}), "'then' is 'Explode'"),
        (
            _with({"match": "Exact", "pattern": "a", "reply_format": "Octal"}),
            "not one of Text, Hex",
        ),
    ],
)
def test_bad_files_say_why(document: object, reason: str) -> None:
    with pytest.raises(RulesFileError) as raised:
        load_rules(document)
    assert reason in str(raised.value)


def test_a_bad_pattern_is_not_the_file_s_business() -> None:
    # It imports, and the table marks the cell as it does for a typed one.
    document = _with({"match": "Regex", "pattern": "(ab"})
    assert load_rules(document)[1][:2] == ["Regex", "(ab"]
