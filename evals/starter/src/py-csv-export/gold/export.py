"""Exporting contacts."""

import csv
import io

HEADER = ["name", "email", "note"]


def to_csv(contacts) -> str:
    """Contacts (dicts with name, email, note) as CSV text with a header line (RFC 4180 quoting, \\n line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for contact in contacts:
        writer.writerow(["" if contact.get(field) is None else str(contact.get(field)) for field in HEADER])
    return out.getvalue()
