"""REST v2.1 order items: create and list under an order, retrieve, PUT, PATCH, DELETE (§4.3)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import rest_http as http
from sandbox.rest_context import RestContext
from sandbox.rest_specs import item_fields, patch_item_fields
from sandbox.rest_views import ITEM_NAMES, item_href, item_view, order_href
from sandbox.rows import ItemFields, OrderItem

_STORE_NAMES = {rest: store for store, rest in ITEM_NAMES.items()}
_DECIMALS = frozenset({"price", "quantity", "original_price"})
EXTRA_FIELDS = ("language", "channel")


def _split(fields: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """REST item attributes → (store field values, extra attributes kept by the REST module)."""
    core = {_STORE_NAMES[k]: v for k, v in fields.items() if k in _STORE_NAMES}
    core = {k: Decimal(str(v)) if k in _DECIMALS else v for k, v in core.items()}
    return core, {k: v for k, v in fields.items() if k in EXTRA_FIELDS}


class ItemRoutes:
    """Handlers of ``/v2.1/orders/{ref}/orderItems`` and ``/v2.1/orderItems/{ref}``."""

    def __init__(self, rc: RestContext) -> None:
        self.rc = rc

    def view(self, request: Request, item: OrderItem) -> dict[str, object]:
        """The item resource."""
        return item_view(http.base_url(request), item, self.rc.extras.get(item.item_ref))

    async def create(self, request: Request) -> Response:
        """POST /v2.1/orders/{orderRef}/orderItems → 201 with the new item."""
        order = self.rc.order(request.path_params["ref"])
        core, extra = _split(item_fields(await http.json_object(request), self.rc.options))
        item = self.rc.app.store.items.create(order.order_ref, ItemFields(**core), "rest")  # type: ignore[arg-type]  # keys from ITEM_NAMES
        self.rc.extras.put(item.item_ref, extra)
        return http.created(self.view(request, item))

    async def index(self, request: Request) -> Response:
        """GET /v2.1/orders/{orderRef}/orderItems with offset, limit, expand."""
        order = self.rc.order(request.path_params["ref"])
        offset, limit = http.paging(request)
        expand, base = http.expand(request), http.base_url(request)
        items: list[object] = [
            self.view(request, i) if expand else {"href": item_href(base, i.item_ref), "ref": i.item_ref}
            for i in self.rc.app.store.items.for_order(order.order_ref)
        ]
        href = f"{order_href(base, order.order_ref)}/orderItems"
        return http.ok(http.collection(href, offset, limit, items))

    async def get(self, request: Request) -> Response:
        """GET /v2.1/orderItems/{orderItemRef}."""
        return http.ok(self.view(request, self.rc.item(request.path_params["ref"])))

    async def put(self, request: Request) -> Response:
        """PUT /v2.1/orderItems/{orderItemRef}: replace every field."""
        item = self.rc.item(request.path_params["ref"])
        core, extra = _split(item_fields(await http.json_object(request), self.rc.options))
        fields = ItemFields(**core, item_id=item.fields.item_id)  # type: ignore[arg-type]  # keys from ITEM_NAMES
        updated = self.rc.app.store.items.replace(item.item_ref, fields, "rest")
        self.rc.extras.put(item.item_ref, extra)
        return http.created(self.view(request, updated))

    async def patch(self, request: Request) -> Response:
        """PATCH /v2.1/orderItems/{orderItemRef}: change the given fields."""
        item = self.rc.item(request.path_params["ref"])
        core, extra = _split(patch_item_fields(await http.json_object(request), self.rc.options))
        fields = dataclasses.replace(item.fields, **core)  # type: ignore[arg-type]  # keys from ITEM_NAMES
        updated = self.rc.app.store.items.replace(item.item_ref, fields, "rest")
        self.rc.extras.put(item.item_ref, self.rc.extras.get(item.item_ref) | extra)
        return http.created(self.view(request, updated))

    async def delete(self, request: Request) -> Response:
        """DELETE /v2.1/orderItems/{orderItemRef}."""
        item = self.rc.item(request.path_params["ref"])
        self.rc.app.store.items.delete(item.item_ref)
        self.rc.extras.delete(item.item_ref)
        return http.ok({"ref": item.item_ref, "message": "Order item deleted"})

    def routes(self, wrap: http.Wrap) -> list[Route]:
        """The order-item routes, each wrapped by ``wrap``."""
        return [
            Route("/v2.1/orders/{ref}/orderItems", wrap(self.create), methods=["POST"]),
            Route("/v2.1/orders/{ref}/orderItems", wrap(self.index), methods=["GET"]),
            Route("/v2.1/orderItems/{ref}", wrap(self.get), methods=["GET"]),
            Route("/v2.1/orderItems/{ref}", wrap(self.put), methods=["PUT"]),
            Route("/v2.1/orderItems/{ref}", wrap(self.patch), methods=["PATCH"]),
            Route("/v2.1/orderItems/{ref}", wrap(self.delete), methods=["DELETE"]),
        ]
