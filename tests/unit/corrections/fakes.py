"""An in-memory REST v2.1 port (orders, items, contacts, extensions) that records every write."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from worker.cdp.rest_errors import RestNotFoundError

Json = dict[str, Any]


@dataclass
class FakeRest:
    """Just enough of CDP's REST behaviour for the writer: refs, look-ups, extension semantics."""

    orders: dict[str, Json] = field(default_factory=dict)
    items: dict[str, Json] = field(default_factory=dict)
    extensions: dict[str, dict[str, object]] = field(default_factory=dict)
    writes: list[tuple[str, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _new(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    async def find_orders(self, reference_id: str) -> list[Json]:
        return [dict(o) for o in self.orders.values() if o["referenceId"] == reference_id]

    async def create_order(self, body: Mapping[str, object]) -> Json:
        ref = self._new("o")
        self.orders[ref] = {**body, "ref": ref}
        self.writes.append(("create_order", ref))
        return dict(self.orders[ref])

    async def replace_order(self, order_ref: str, body: Mapping[str, object]) -> Json:
        self.orders[order_ref] = {**body, "ref": order_ref, **self._contact(order_ref)}
        self.writes.append(("replace_order", order_ref))
        return dict(self.orders[order_ref])

    def _contact(self, order_ref: str) -> Json:
        contact = self.orders[order_ref].get("contact")
        return {"contact": contact} if contact else {}

    async def delete_order(self, order_ref: str) -> None:
        del self.orders[order_ref]
        self.writes.append(("delete_order", order_ref))

    async def list_items(self, order_ref: str) -> list[Json]:
        return [dict(i) for i in self.items.values() if i["order"] == order_ref]

    async def create_item(self, order_ref: str, body: Mapping[str, object]) -> Json:
        ref = self._new("i")
        self.items[ref] = {**body, "ref": ref, "order": order_ref}
        self.writes.append(("create_item", ref))
        return dict(self.items[ref])

    async def replace_item(self, item_ref: str, body: Mapping[str, object]) -> Json:
        self.items[item_ref] = {**body, "ref": item_ref, "order": self.items[item_ref]["order"]}
        self.writes.append(("replace_item", item_ref))
        return dict(self.items[item_ref])

    async def delete_item(self, item_ref: str) -> None:
        del self.items[item_ref]
        self.writes.append(("delete_item", item_ref))

    async def create_contact(self, order_ref: str, body: Mapping[str, object]) -> Json:
        self.orders[order_ref]["contact"] = dict(body)
        self.writes.append(("create_contact", order_ref))
        return {"ref": "c1"}

    async def get_extension(self, owner: str, ref: str) -> dict[str, object] | None:
        found = self.extensions.get(ref)
        return dict(found) if found is not None else None

    async def create_extension(self, owner: str, ref: str, data: Mapping[str, object]) -> None:
        assert ref not in self.extensions, "POST on an existing extension"
        self.extensions[ref] = dict(data)
        self.writes.append(("create_extension", f"{ref}:{sorted(data)}"))

    async def patch_extension(self, owner: str, ref: str, data: Mapping[str, object]) -> None:
        if ref not in self.extensions:
            raise RestNotFoundError("no extension", status=404)
        self.extensions[ref].update(data)
        self.writes.append(("patch_extension", f"{ref}:{sorted(data)}"))

    async def delete_extension_keys(self, owner: str, ref: str, keys: list[str] | None) -> None:
        if keys is None:
            del self.extensions[ref]
        else:
            for key in keys:
                self.extensions[ref].pop(key, None)
        self.writes.append(("delete_extension", f"{ref}:{keys}"))
