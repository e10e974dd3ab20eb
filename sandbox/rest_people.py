"""REST v2.1 order contacts (link the order to a guest), order consumers and guest look-up (§4.4-§4.7)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import rest_http as http
from sandbox import rest_identity as identity
from sandbox.rest_context import RestContext, not_found
from sandbox.rest_errors import api_error
from sandbox.rest_repo import Person
from sandbox.rest_specs import consumer_fields, contact_fields
from sandbox.rest_views import guest_href, guest_view, person_view
from sandbox.rows import Guest


class PeopleRoutes:
    """Handlers of contacts, consumers and ``/v2.1/guests``."""

    def __init__(self, rc: RestContext) -> None:
        self.rc = rc

    def _explicit_guest(self, fields: Mapping[str, object]) -> str | None:
        link = fields.get("guest")
        if not isinstance(link, dict):
            return None
        guest_ref = str(link["href"]).rstrip("/").rsplit("/", 1)[-1]
        if self.rc.app.store.guests.get(guest_ref) is None:
            raise api_error(400, f"guest.href names no guest: {guest_ref}")
        return guest_ref

    def resolve_guest(self, fields: Mapping[str, object]) -> str:
        """The guest a contact identifies (explicit ``guest.href``, identity rules), created when new."""
        explicit = self._explicit_guest(fields)
        if explicit is not None:
            return explicit
        person = identity.person_of(fields)
        if not identity.has_identity(self.rc.app, person):
            raise api_error(400, "Not enough identifying information for the tenant's identity rules")
        return identity.resolve_guest(self.rc.app, person, "rest")

    def _person(self, kind: str, request: Request) -> Person:
        person = self.rc.people.get(kind, request.path_params["ref"])
        if person is None:
            raise not_found(f"order {kind}", request.path_params["ref"])
        return person

    def _link_order(self, order_ref: str, guest_ref: str | None) -> None:
        self.rc.app.store.orders.update(order_ref, {"guest_ref": guest_ref}, "rest", self.rc.now())

    async def create_contact(self, request: Request) -> Response:
        """POST /v2.1/orders/{orderRef}/contacts: the primary contact; links the order to its guest."""
        order = self.rc.order(request.path_params["ref"])
        fields = contact_fields(await http.json_object(request))
        if self.rc.people.for_order("contact", order.order_ref):
            raise api_error(400, "The order already has a primary contact; update it instead")
        guest_ref = self.resolve_guest(fields)
        person = self.rc.people.create("contact", order.order_ref, guest_ref, fields, self.rc.now())
        self._link_order(order.order_ref, guest_ref)
        return http.created(person_view(http.base_url(request), person))

    async def get_contact(self, request: Request) -> Response:
        """GET /v2.1/orderContacts/{ref}."""
        return http.ok(person_view(http.base_url(request), self._person("contact", request)))

    async def put_contact(self, request: Request) -> Response:
        """PUT /v2.1/orderContacts/{ref}: replace the contact and re-resolve its guest."""
        person = self._person("contact", request)
        fields = contact_fields(await http.json_object(request))
        guest_ref = self.resolve_guest(fields)
        updated = self.rc.people.replace(person.ref, guest_ref, fields, self.rc.now())
        self._link_order(person.order_ref, guest_ref)
        return http.created(person_view(http.base_url(request), updated))

    async def delete_contact(self, request: Request) -> Response:
        """DELETE /v2.1/orderContacts/{ref}: the order loses its guest link."""
        person = self._person("contact", request)
        self.rc.people.delete(person.ref)
        self._link_order(person.order_ref, None)
        return http.ok({"ref": person.ref, "message": "Order contact deleted"})

    def _check_item_links(self, order_ref: str, fields: Mapping[str, object]) -> None:
        links = fields.get("orderItems")
        hrefs = [str(e["href"]) for e in links["items"]] if isinstance(links, dict) else []
        owned = {item.item_ref for item in self.rc.app.store.items.for_order(order_ref)}
        foreign = [h for h in hrefs if h.rstrip("/").rsplit("/", 1)[-1] not in owned]
        if foreign:
            raise api_error(400, f"orderItems are not items of this order: {foreign}")

    async def create_consumer(self, request: Request) -> Response:
        """POST /v2.1/orders/{orderRef}/consumers: a consumer becomes a ``traveller`` guest."""
        order = self.rc.order(request.path_params["ref"])
        fields = consumer_fields(await http.json_object(request))
        self._check_item_links(order.order_ref, fields)
        traveller = identity.guest_fields(identity.person_of(fields), "traveller")
        guest = self.rc.app.store.guests.create(traveller, "rest", self.rc.now())
        person = self.rc.people.create("consumer", order.order_ref, guest.guest_ref, fields, self.rc.now())
        return http.created(person_view(http.base_url(request), person))

    async def get_consumer(self, request: Request) -> Response:
        """GET /v2.1/orderConsumers/{ref}."""
        return http.ok(person_view(http.base_url(request), self._person("consumer", request)))

    async def put_consumer(self, request: Request) -> Response:
        """PUT /v2.1/orderConsumers/{ref}: replace the consumer's data."""
        person = self._person("consumer", request)
        fields = consumer_fields(await http.json_object(request))
        self._check_item_links(person.order_ref, fields)
        updated = self.rc.people.replace(person.ref, person.guest_ref, fields, self.rc.now())
        return http.created(person_view(http.base_url(request), updated))

    async def delete_consumer(self, request: Request) -> Response:
        """DELETE /v2.1/orderConsumers/{ref}."""
        person = self._person("consumer", request)
        self.rc.people.delete(person.ref)
        return http.ok({"ref": person.ref, "message": "Order consumer deleted"})

    def _guest_matches(self, request: Request) -> list[Guest]:
        params, guests = request.query_params, self.rc.app.store.guests
        provider, id_ = params.get("identifiers.provider"), params.get("identifiers.id")
        if provider is not None and id_ is not None:
            found = guests.find_by_identifier(provider, id_)
            return [found] if found is not None and not found.merged_into else []
        if params.get("email"):
            return guests.find_by_email(params["email"])
        raise api_error(400, "Search by email, or by identifiers.provider and identifiers.id")

    async def find_guests(self, request: Request) -> Response:
        """GET /v2.1/guests?email=… | identifiers.provider=…&identifiers.id=… (items link by href)."""
        offset, limit = http.paging(request)
        base = http.base_url(request)
        items: list[object] = [
            {"href": guest_href(base, g.guest_ref), "ref": g.guest_ref} for g in self._guest_matches(request)
        ]
        return http.ok(http.collection(f"{base}/v2.1/guests?{request.url.query}", offset, limit, items))

    async def get_guest(self, request: Request) -> Response:
        """GET /v2.1/guests/{guestRef}."""
        guests = self.rc.app.store.guests
        guest = guests.get(request.path_params["ref"])
        if guest is None:
            raise not_found("guest", request.path_params["ref"])
        view = guest_view(http.base_url(request), guest, guests.identifiers(guest.guest_ref))
        return http.ok(view)

    def routes(self, wrap: http.Wrap) -> list[Route]:
        """Contact, consumer and guest routes."""
        return [
            Route("/v2.1/orders/{ref}/contacts", wrap(self.create_contact), methods=["POST"]),
            Route("/v2.1/orderContacts/{ref}", wrap(self.get_contact), methods=["GET"]),
            Route("/v2.1/orderContacts/{ref}", wrap(self.put_contact), methods=["PUT"]),
            Route("/v2.1/orderContacts/{ref}", wrap(self.delete_contact), methods=["DELETE"]),
            Route("/v2.1/orders/{ref}/consumers", wrap(self.create_consumer), methods=["POST"]),
            Route("/v2.1/orderConsumers/{ref}", wrap(self.get_consumer), methods=["GET"]),
            Route("/v2.1/orderConsumers/{ref}", wrap(self.put_consumer), methods=["PUT"]),
            Route("/v2.1/orderConsumers/{ref}", wrap(self.delete_consumer), methods=["DELETE"]),
            Route("/v2.1/guests", wrap(self.find_guests), methods=["GET"]),
            Route("/v2.1/guests/{ref}", wrap(self.get_guest), methods=["GET"]),
        ]
