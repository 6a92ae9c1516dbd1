import pytest

from settings import parse_bool


def test_true_values():
    assert parse_bool("TRUE") is True
    assert parse_bool(" 1 ") is True


def test_false_values():
    assert parse_bool("false") is False
    assert parse_bool("0") is False


def test_rejects_yes():
    with pytest.raises(ValueError):
        parse_bool("yes")


def test_rejects_garbage():
    with pytest.raises(ValueError):
        parse_bool("maybe")
