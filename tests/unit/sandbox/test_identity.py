"""Identity resolution on a real in-memory store: identity rules, merges, supplementary PII."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.config import SandboxConfig
from sandbox.identity import identify, is_identified
from sandbox.rows import GuestFields, Identifier
from sandbox.store import Store, open_store
from sandbox.stream_payloads import Person

NOW = "2025-03-07T16:15:11.000Z"
CONFIG = SandboxConfig()


@pytest.fixture
def store() -> Iterator[Store]:
    opened = open_store(None)
    yield opened
    opened.close()


def browser(store: Store) -> str:
    guest = store.guests.create(GuestFields(), "stream", NOW)
    return store.browsers.create(guest.guest_ref, NOW)


def person(*identifiers: tuple[str, str], email: str | None = None, **pii: object) -> Person:
    return Person(
        tuple(Identifier(p, i) for p, i in identifiers), email, {**pii, **({"email": email} if email else {})}
    )


def test_identifier_under_a_rule_makes_the_guest_a_customer(store: Store) -> None:
    b = browser(store)
    guest = identify(
        store, CONFIG, b, person(("CRM", "C-1"), firstname="Ann"), NOW, email_is_identifier=False
    )
    assert (guest.guest_type, guest.first_name) == ("customer", "Ann")
    assert is_identified(store, b) == (guest.guest_ref, True)


def test_pii_alone_does_not_identify(store: Store) -> None:
    b = browser(store)
    guest = identify(store, CONFIG, b, person(email="a@b.c"), NOW, email_is_identifier=False)
    assert (guest.guest_type, guest.email) == ("visitor", "a@b.c")


def test_contact_email_identifies_under_the_email_rule(store: Store) -> None:
    b = browser(store)
    guest = identify(store, CONFIG, b, person(email="A@B.c"), NOW, email_is_identifier=True)
    assert guest.guest_type == "customer"
    assert store.guests.find_by_identifier("email", "a@b.C") == guest


def test_provider_outside_the_rules_is_ignored(store: Store) -> None:
    b = browser(store)
    assert (
        identify(store, CONFIG, b, person(("loyalty", "L-1")), NOW, email_is_identifier=False).guest_type
        == "visitor"
    )


def test_known_identifier_moves_the_browser_and_retires_the_anonymous_guest(store: Store) -> None:
    first, second = browser(store), browser(store)
    owner = identify(store, CONFIG, first, person(("crm", "C-9")), NOW, email_is_identifier=False)
    anonymous = store.browsers.guest_of(second)
    moved = identify(store, CONFIG, second, person(("CRM", "c-9")), NOW, email_is_identifier=False)
    assert moved.guest_ref == owner.guest_ref
    assert store.browsers.of_guest(owner.guest_ref) == [first, second]
    retired = store.guests.get(str(anonymous))
    assert retired is not None
    assert retired.merged_into == owner.guest_ref
