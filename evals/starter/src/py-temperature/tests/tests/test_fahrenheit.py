import pytest

from units import to_celsius, to_fahrenheit


def test_to_fahrenheit_boiling():
    assert to_fahrenheit(100) == 212


def test_to_fahrenheit_body_temperature():
    assert to_fahrenheit(37) == pytest.approx(98.6)


def test_round_trip():
    assert to_celsius(to_fahrenheit(-40)) == -40
