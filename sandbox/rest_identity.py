"""Identity resolution shared by REST contacts and Batch records: find or create the guest.

A person is matched by identifiers whose provider is an identity rule, then by email when
``email`` is itself an identity-rule provider (cdp-api.md §2.9); otherwise a new guest is created.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sandbox.app import AppContext
from sandbox.rows import Api, Guest, GuestFields, Identifier

_PII_SKIP = frozenset({"email", "emails", "identifiers", "guest", "firstName", "lastName", "orderItems"})
_PII_SKIP |= {"guestType", "extensions"}


@dataclasses.dataclass(frozen=True)
class Person:
    """Identity data of a contact, consumer or guest record, whatever API it came from."""

    identifiers: tuple[Identifier, ...]
    email: str | None
    fields: Mapping[str, object]


def person_of(fields: Mapping[str, object]) -> Person:
    """The identity data in a REST (``emails``) or Batch (``email``) body."""
    raw = fields.get("identifiers")
    entries = [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []
    identifiers = tuple(
        Identifier(str(e["provider"]), str(e["id"]), _opt(e.get("expiryDate"))) for e in entries
    )
    emails = fields.get("emails")
    email = fields.get("email") or (emails[0] if isinstance(emails, list) and emails else None)
    return Person(identifiers, str(email) if email else None, fields)


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def guest_fields(person: Person, guest_type: str) -> GuestFields:
    """Guest profile fields from a person's data."""
    first, last = person.fields.get("firstName"), person.fields.get("lastName")
    return GuestFields(
        guest_type=guest_type,
        email=person.email,
        first_name=str(first) if first else None,
        last_name=str(last) if last else None,
        pii={k: v for k, v in person.fields.items() if k not in _PII_SKIP},
    )


def _active(ctx: AppContext, guest: Guest | None) -> Guest | None:
    while guest is not None and guest.merged_into:
        guest = ctx.store.guests.get(guest.merged_into)
    return guest


def has_identity(ctx: AppContext, person: Person) -> bool:
    """Whether the person carries data an identity rule can resolve."""
    by_id = any(ctx.config.resolves_identity(i.provider) for i in person.identifiers)
    return by_id or (person.email is not None and ctx.config.resolves_identity("email"))


def find_guest(ctx: AppContext, person: Person) -> Guest | None:
    """The existing guest the person resolves to, or None."""
    guests = ctx.store.guests
    for identifier in person.identifiers:
        if ctx.config.resolves_identity(identifier.provider):
            found = _active(ctx, guests.find_by_identifier(identifier.provider, identifier.id))
            if found is not None:
                return found
    if person.email is None or not ctx.config.resolves_identity("email"):
        return None
    matches = guests.find_by_email(person.email)
    return matches[0] if matches else None


def resolve_guest(ctx: AppContext, person: Person, api: Api) -> str:
    """The ref of the guest the person resolves to, created as a ``customer`` when new.

    Callers check :func:`has_identity` first. The person's identifiers are attached to the guest.
    """
    now = ctx.now_iso()
    guest = find_guest(ctx, person) or ctx.store.guests.create(guest_fields(person, "customer"), api, now)
    for identifier in person.identifiers:
        ctx.store.guests.add_identifier(guest.guest_ref, identifier)
    return guest.guest_ref
