"""Identity resolution for Stream IDENTITY and ADD_CONTACTS (cdp-api.md §2.9).

Only identifiers whose provider matches an identity rule resolve identity (case-insensitively). A
match with another profile moves the browser to it and retires the anonymous one; no match turns the
browser's own guest into a ``customer``. PII is supplementary: stored, never used to resolve.
"""

from __future__ import annotations

from sandbox.config import SandboxConfig
from sandbox.rows import Guest, Identifier
from sandbox.store import Store
from sandbox.stream_payloads import Person

CUSTOMER = "customer"


def _resolving(config: SandboxConfig, person: Person, email_is_identifier: bool) -> list[Identifier]:
    found = [i for i in person.identifiers if config.resolves_identity(i.provider)]
    if email_is_identifier and person.email and config.resolves_identity("email"):
        found.append(Identifier("email", person.email))
    return found


def _owner(store: Store, identifiers: list[Identifier]) -> Guest | None:
    for identifier in identifiers:
        guest = store.guests.find_by_identifier(identifier.provider, identifier.id)
        if guest is not None:
            return guest
    return None


def _move_browser(store: Store, browser_id: str, current: Guest, target: Guest, now: str) -> None:
    store.browsers.relink(browser_id, target.guest_ref)
    if current.guest_type != CUSTOMER:
        store.guests.update(current.guest_ref, {"merged_into": target.guest_ref}, now)


def _pii_changes(guest: Guest, person: Person) -> dict[str, object]:
    changes: dict[str, object] = {"pii": {**guest.pii, **person.pii}}
    if person.email:
        changes["email"] = person.email
    for key, column in (("firstname", "first_name"), ("lastname", "last_name")):
        value = person.pii.get(key)
        if isinstance(value, str):
            changes[column] = value
    return changes


def identify(
    store: Store,
    config: SandboxConfig,
    browser_id: str,
    person: Person,
    now: str,
    *,
    email_is_identifier: bool,
) -> Guest:
    """Apply one IDENTITY (or contact) to the browser's guest; return the guest it now belongs to."""
    current_ref = store.browsers.guest_of(browser_id)
    current = store.guests.get(current_ref) if current_ref else None
    if current is None:
        raise KeyError(browser_id)
    identifiers = _resolving(config, person, email_is_identifier)
    target = current
    if identifiers:
        owner = _owner(store, identifiers)
        if owner is not None and owner.guest_ref != current.guest_ref:
            _move_browser(store, browser_id, current, owner, now)
            target = owner
        for identifier in identifiers:
            store.guests.add_identifier(target.guest_ref, identifier)
    changes = _pii_changes(target, person)
    if identifiers:
        changes["guest_type"] = CUSTOMER
    return store.guests.update(target.guest_ref, changes, now)


def is_identified(store: Store, browser_id: str) -> tuple[str | None, bool]:
    """The browser's guest ref and whether that guest is an identified customer."""
    guest_ref = store.browsers.guest_of(browser_id)
    guest = store.guests.get(guest_ref) if guest_ref else None
    return guest_ref, guest is not None and guest.guest_type == CUSTOMER
