from text_tools import normalize_spaces


def test_normalize_spaces_collapses_runs():
    assert normalize_spaces("  a \t b\n\nc ") == "a b c"
