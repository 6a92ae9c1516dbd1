"""Small text helpers."""

import re


def normalize_spaces(text: str) -> str:
    """Collapse runs of whitespace into one space and trim both ends."""
    return " ".join(text.split())


def word_count(text: str) -> dict:
    """How often each word occurs, case-insensitively; words are runs of letters, digits and apostrophes."""
    counts: dict = {}
    for word in re.findall(r"[\w']+", text.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts
