"""REST v2.1 data extensions of orders and order items (§4.6): name ``ext``, flat primitives."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import rest_http as http
from sandbox.rest_context import RestContext
from sandbox.rest_errors import api_error
from sandbox.rest_specs import extension_fields
from sandbox.rest_views import extension_view, item_href, order_href
from sandbox.rows import Extension, OwnerKind

#: URL collection → (store owner kind, href builder).
OWNERS = {"orders": ("order", order_href), "orderItems": ("order_item", item_href)}


class ExtensionRoutes:
    """Handlers of ``/v2.1/{orders|orderItems}/{ref}/extensions[/{name}]``."""

    def __init__(self, rc: RestContext) -> None:
        self.rc = rc

    def _owner(self, request: Request) -> tuple[OwnerKind, str, str]:
        """(owner kind, owner ref, extension href); 404 when the owner does not exist."""
        collection, ref = request.url.path.split("/")[2], request.path_params["ref"]
        kind, href_of = OWNERS[collection]
        owner_ref = self.rc.order(ref).order_ref if kind == "order" else self.rc.item(ref).item_ref
        name = request.path_params.get("name", "")
        href = f"{href_of(http.base_url(request), owner_ref)}/extensions"
        return kind, owner_ref, f"{href}/{name}" if name else href  # type: ignore[return-value]  # OWNERS holds OwnerKind values

    async def _body(self, request: Request) -> dict[str, object]:
        body = await http.json_object(request)
        return extension_fields(request.path_params["name"], body, self.rc.options.rest_ext_max_keys)

    def _existing(self, kind: OwnerKind, owner_ref: str, name: str) -> Extension:
        ext = self.rc.app.store.extensions.get(kind, owner_ref, name)
        if ext is None:
            raise api_error(404, f"No data extension {name!r} on {owner_ref}")
        return ext

    def _within_limit(self, data: dict[str, object]) -> None:
        if len(data) > self.rc.options.rest_ext_max_keys:
            raise api_error(
                400, f"A data extension holds at most {self.rc.options.rest_ext_max_keys} attributes"
            )

    async def create(self, request: Request) -> Response:
        """POST …/extensions/ext: create, or add new keys (an existing key is a 400)."""
        kind, owner_ref, href = self._owner(request)
        data = await self._body(request)
        current = self.rc.app.store.extensions.get(kind, owner_ref)
        clash = sorted(set(data) & set(current.data)) if current else []
        if clash:
            raise api_error(400, f"Attributes already exist: {clash}; use PUT or PATCH")
        self._within_limit({**(current.data if current else {}), **data})
        ext = self.rc.app.store.extensions.merge(kind, owner_ref, data)  # type: ignore[arg-type]  # values checked primitive
        return http.created(extension_view(href, ext))

    async def get(self, request: Request) -> Response:
        """GET …/extensions/ext."""
        kind, owner_ref, href = self._owner(request)
        return http.ok(extension_view(href, self._existing(kind, owner_ref, request.path_params["name"])))

    async def index(self, request: Request) -> Response:
        """GET …/extensions: the owner's extensions (only ``ext`` exists for orders and items)."""
        kind, owner_ref, href = self._owner(request)
        items: list[object] = [
            extension_view(f"{href}/{e.name}", e)
            for e in self.rc.app.store.extensions.for_owner(kind, owner_ref)
        ]
        offset, limit = http.paging(request)
        return http.ok(http.collection(href, offset, limit, items))

    async def put(self, request: Request) -> Response:
        """PUT …/extensions/ext: replace every attribute."""
        kind, owner_ref, href = self._owner(request)
        data = await self._body(request)
        self._existing(kind, owner_ref, request.path_params["name"])
        ext = self.rc.app.store.extensions.put(kind, owner_ref, data)  # type: ignore[arg-type]  # values checked primitive
        return http.created(extension_view(href, ext))

    async def patch(self, request: Request) -> Response:
        """PATCH …/extensions/ext: add or change the given attributes."""
        kind, owner_ref, href = self._owner(request)
        data = await self._body(request)
        current = self._existing(kind, owner_ref, request.path_params["name"])
        self._within_limit({**current.data, **data})
        ext = self.rc.app.store.extensions.merge(kind, owner_ref, data)  # type: ignore[arg-type]  # values checked primitive
        return http.created(extension_view(href, ext))

    async def delete(self, request: Request) -> Response:
        """DELETE …/extensions/ext: the whole extension, or only ``?keys=a,b``."""
        kind, owner_ref, _ = self._owner(request)
        self._existing(kind, owner_ref, request.path_params["name"])
        keys = request.query_params.get("keys")
        if keys:
            self.rc.app.store.extensions.delete_keys(kind, owner_ref, keys.split(","))
        else:
            self.rc.app.store.extensions.delete(kind, owner_ref)
        return http.ok({"message": "Data extension deleted" if not keys else "Attributes deleted"})

    def routes(self, wrap: http.Wrap) -> list[Route]:
        """The extension routes of orders and order items."""
        verbs = {
            "POST": self.create,
            "GET": self.get,
            "PUT": self.put,
            "PATCH": self.patch,
            "DELETE": self.delete,
        }
        found: list[Route] = []
        for collection in OWNERS:
            found.append(Route(f"/v2.1/{collection}/{{ref}}/extensions", wrap(self.index), methods=["GET"]))
            one = f"/v2.1/{collection}/{{ref}}/extensions/{{name}}"
            found += [Route(one, wrap(handler), methods=[verb]) for verb, handler in verbs.items()]
        return found
