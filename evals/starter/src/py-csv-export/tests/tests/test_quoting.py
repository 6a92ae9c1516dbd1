import csv
import io

from export import to_csv


def test_comma_in_a_name_is_quoted():
    assert to_csv([{"name": "Doe, Jane", "email": "jane@example.com", "note": ""}]) == 'name,email,note\n"Doe, Jane",jane@example.com,\n'


def test_quotes_are_doubled():
    assert to_csv([{"name": 'Bob "The Builder"', "email": "bob@example.com", "note": "x"}]).splitlines()[1] == '"Bob ""The Builder""",bob@example.com,x'


def test_newline_in_a_note_survives_a_round_trip():
    contacts = [{"name": "Ann", "email": "ann@example.com", "note": "line one\nline two"}]
    rows = list(csv.reader(io.StringIO(to_csv(contacts))))
    assert rows[1] == ["Ann", "ann@example.com", "line one\nline two"]


def test_missing_and_none_fields_are_empty():
    assert to_csv([{"name": "Ann", "note": None}]) == "name,email,note\nAnn,,\n"
