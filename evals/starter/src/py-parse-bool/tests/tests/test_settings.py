import pytest

from settings import parse_bool


def test_true_values():
    assert parse_bool("TRUE") is True
    assert parse_bool(" 1 ") is True


def test_false_values():
    assert parse_bool("false") is False
    assert parse_bool("0") is False


def test_yes_and_on_are_true():
    assert parse_bool("yes") is True
    assert parse_bool(" On ") is True


def test_no_and_off_are_false():
    assert parse_bool("NO") is False
    assert parse_bool("off") is False


def test_rejects_garbage():
    with pytest.raises(ValueError):
        parse_bool("maybe")
