"""Reading settings from environment-style strings."""

_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def parse_bool(text: str) -> bool:
    """"true"/"1" -> True, "false"/"0" -> False (any case, surrounding spaces ignored); anything else is a ValueError."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"not a boolean: {text!r}")
