"""What the REST handlers share: the app context, the options and the REST-only repositories."""

from __future__ import annotations

import dataclasses

from sandbox.app import AppContext
from sandbox.errors import ApiError
from sandbox.rest_errors import api_error
from sandbox.rest_options import RestBatchOptions
from sandbox.rest_repo import ItemExtrasRepo, PeopleRepo
from sandbox.rows import Order, OrderItem


@dataclasses.dataclass(frozen=True)
class RestContext:
    """One per app, built by :func:`sandbox.rest.routes`."""

    app: AppContext
    options: RestBatchOptions
    people: PeopleRepo
    extras: ItemExtrasRepo

    def order(self, order_ref: str) -> Order:
        """The order ``order_ref``; 404 when it does not exist."""
        order = self.app.store.orders.get(order_ref)
        if order is None:
            raise not_found("order", order_ref)
        return order

    def item(self, item_ref: str) -> OrderItem:
        """The order item ``item_ref``; 404 when it does not exist."""
        item = self.app.store.items.get(item_ref)
        if item is None:
            raise not_found("order item", item_ref)
        return item

    def now(self) -> str:
        """The sandbox clock as an ISO timestamp."""
        return self.app.now_iso()


def not_found(kind: str, ref: str) -> ApiError:
    """404 for a resource that does not exist."""
    return api_error(404, f"No {kind} found with ref {ref}")
