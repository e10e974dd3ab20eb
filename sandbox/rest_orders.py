"""REST v2.1 orders: create, list by referenceId or guestRef, retrieve, PUT, PATCH, DELETE (§4.1-§4.2)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import rest_http as http
from sandbox.repo_orders import within_window
from sandbox.rest_context import RestContext
from sandbox.rest_errors import api_error
from sandbox.rest_specs import order_fields
from sandbox.rest_views import ORDER_NAMES, order_href, order_view
from sandbox.rows import Order, OrderFields

_STORE_NAMES = {rest: store for store, rest in ORDER_NAMES.items()}
DEFAULT_STATUS = "UNKNOWN"


def to_order_fields(fields: dict[str, object], guest_ref: str | None) -> OrderFields:
    """Validated REST order attributes as the store's :class:`OrderFields`."""
    values = {_STORE_NAMES[name]: value for name, value in fields.items()}
    values["price"] = Decimal(str(values["price"]))
    values.setdefault("status", DEFAULT_STATUS)
    return OrderFields(**values, guest_ref=guest_ref)  # type: ignore[arg-type]  # keys come from ORDER_NAMES


def check_same_order(order: Order, fields: dict[str, object]) -> None:
    """400 unless ``fields`` name the same order: equal referenceId, orderedAt within 2 days (§4.1)."""
    if fields["referenceId"] != order.fields.reference_id:
        raise api_error(400, "referenceId cannot be changed")
    if not within_window(str(fields["orderedAt"]), order.fields.ordered_at):
        raise api_error(400, "orderedAt cannot be changed (more than 2 days from the stored orderedAt)")


class OrderRoutes:
    """Handlers of ``/v2.1/orders``."""

    def __init__(self, rc: RestContext) -> None:
        self.rc = rc

    def view(self, request: Request, order: Order) -> dict[str, object]:
        """The order resource as the client should see it."""
        contacts = self.rc.people.for_order("contact", order.order_ref)
        return order_view(http.base_url(request), order, contacts[0] if contacts else None)

    async def create(self, request: Request) -> Response:
        """POST /v2.1/orders → 201 with the new order (no de-duplication unless switched on)."""
        fields = order_fields(await http.json_object(request))
        store = self.rc.app.store
        if self.rc.options.rest_create_dedup:
            same = store.orders.find_matching(str(fields["referenceId"]), str(fields["orderedAt"]))
            if same:
                return http.created(self.view(request, same[0]))
        order = store.orders.create(to_order_fields(fields, None), "rest", self.rc.now())
        return http.created(self.view(request, order))

    def _matching(self, request: Request) -> list[Order]:
        params = request.query_params
        reference_id, guest_ref = params.get("referenceId"), params.get("guestRef")
        if (reference_id is None) == (guest_ref is None):
            raise api_error(400, "Give exactly one of referenceId or guestRef")
        sort = params.get("sort", "created")
        if sort not in ("created", "orderedAt") or (sort == "orderedAt" and guest_ref is None):
            raise api_error(400, "sort is 'created', or 'orderedAt' together with guestRef")
        store = self.rc.app.store
        if reference_id is not None:
            return store.orders.find_by_reference(reference_id)
        if store.guests.get(str(guest_ref)) is None:
            raise api_error(404, f"No guest found with ref {guest_ref}")
        orders = store.orders.for_guest(str(guest_ref))
        return sorted(orders, key=lambda o: o.fields.ordered_at) if sort == "orderedAt" else orders

    async def index(self, request: Request) -> Response:
        """GET /v2.1/orders?referenceId=…|guestRef=… with offset, limit, expand, sort."""
        offset, limit = http.paging(request)
        expand = http.expand(request)
        base = http.base_url(request)
        orders = self._matching(request)
        items: list[object] = [
            self.view(request, o) if expand else {"href": order_href(base, o.order_ref), "ref": o.order_ref}
            for o in orders
        ]
        href = f"{base}/v2.1/orders?{request.url.query}" if request.url.query else f"{base}/v2.1/orders"
        return http.ok(http.collection(href, offset, limit, items))

    async def get(self, request: Request) -> Response:
        """GET /v2.1/orders/{orderRef}."""
        return http.ok(self.view(request, self.rc.order(request.path_params["ref"])))

    async def put(self, request: Request) -> Response:
        """PUT /v2.1/orders/{orderRef}: replace every writable field (referenceId/orderedAt fixed)."""
        order = self.rc.order(request.path_params["ref"])
        fields = order_fields(await http.json_object(request))
        check_same_order(order, fields)
        fields["orderedAt"] = order.fields.ordered_at
        replaced = to_order_fields(fields, order.fields.guest_ref)
        updated = self.rc.app.store.orders.replace(order.order_ref, replaced, "rest", self.rc.now())
        return http.created(self.view(request, updated))

    async def patch(self, request: Request) -> Response:
        """PATCH /v2.1/orders/{orderRef}: change the given fields (the four key fields are required)."""
        order = self.rc.order(request.path_params["ref"])
        fields = order_fields(await http.json_object(request))
        check_same_order(order, fields)
        changes = {_STORE_NAMES[k]: v for k, v in fields.items() if k not in ("referenceId", "orderedAt")}
        changes["price"] = Decimal(str(changes["price"]))
        merged = dataclasses.replace(order.fields, **changes)  # type: ignore[arg-type]  # keys from ORDER_NAMES
        updated = self.rc.app.store.orders.replace(order.order_ref, merged, "rest", self.rc.now())
        return http.created(self.view(request, updated))

    async def delete(self, request: Request) -> Response:
        """DELETE /v2.1/orders/{orderRef}: the order with its items, extensions, contacts, consumers."""
        order = self.rc.order(request.path_params["ref"])
        for item in self.rc.app.store.items.for_order(order.order_ref):
            self.rc.extras.delete(item.item_ref)
        self.rc.people.delete_order(order.order_ref)
        self.rc.app.store.orders.delete(order.order_ref)
        return http.ok({"ref": order.order_ref, "message": "Order and associated entities deleted"})

    def routes(self, wrap: http.Wrap) -> list[Route]:
        """The order routes, each wrapped by ``wrap`` (auth, media type, 500)."""
        return [
            Route("/v2.1/orders", wrap(self.create), methods=["POST"]),
            Route("/v2.1/orders", wrap(self.index), methods=["GET"]),
            Route("/v2.1/orders/{ref}", wrap(self.get), methods=["GET"]),
            Route("/v2.1/orders/{ref}", wrap(self.put), methods=["PUT"]),
            Route("/v2.1/orders/{ref}", wrap(self.patch), methods=["PATCH"]),
            Route("/v2.1/orders/{ref}", wrap(self.delete), methods=["DELETE"]),
        ]
