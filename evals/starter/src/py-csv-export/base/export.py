"""Exporting contacts."""

HEADER = ["name", "email", "note"]


def to_csv(contacts) -> str:
    """Contacts (dicts with name, email, note) as CSV text with a header line."""
    lines = [",".join(HEADER)]
    for contact in contacts:
        lines.append(",".join(str(contact.get(field, "")) for field in HEADER))
    return "\n".join(lines) + "\n"
