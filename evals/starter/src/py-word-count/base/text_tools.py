"""Small text helpers."""


def normalize_spaces(text: str) -> str:
    """Collapse runs of whitespace into one space and trim both ends."""
    return " ".join(text.split())
