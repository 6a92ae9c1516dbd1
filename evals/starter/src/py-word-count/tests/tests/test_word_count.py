from text_tools import word_count


def test_counts_each_word():
    assert word_count("the cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}


def test_ignores_case_and_punctuation():
    assert word_count("Go, go! GO.") == {"go": 3}


def test_keeps_apostrophes():
    assert word_count("don't stop") == {"don't": 1, "stop": 1}


def test_empty_text_has_no_words():
    assert word_count("   ") == {}
