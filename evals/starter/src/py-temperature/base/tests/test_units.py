from units import to_celsius


def test_to_celsius_boiling():
    assert to_celsius(212) == 100


def test_to_celsius_freezing():
    assert to_celsius(32) == 0
