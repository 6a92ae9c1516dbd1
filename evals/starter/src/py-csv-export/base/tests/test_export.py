from export import to_csv


def test_header_only_for_no_contacts():
    assert to_csv([]) == "name,email,note\n"


def test_simple_contact():
    assert to_csv([{"name": "Ann", "email": "ann@example.com", "note": "hi"}]) == "name,email,note\nAnn,ann@example.com,hi\n"
