#!/usr/bin/env python3
"""An example case-system sync client for the Stable Futures API, written with `gql`.

It keeps a local copy of one local authority's children (and the ids of their referrals,
guardian assignments and outcome measurements) in step with the API:

1. initial load: note where the change feed ends *first*, then page through `children`;
2. catch-up: follow `changes(after:)` from the noted position until an empty page, applying
   each change (the record is re-read through `entity`; `ERASED` purges the child and every
   record of theirs);
3. live: subscribe to `changes(after: <last cursor>)` over `graphql-transport-ws` and apply each
   notification as it arrives (re-reading the record with `node(id:)`), resuming with the last
   cursor after a disconnection.

The cursor is persisted (with `--state`) only after the change it names has been applied, in
the same atomic file write, so a crash never skips a change: at worst one is applied twice, and
applying is idempotent (the record is re-read as it is now).

`--demo` is a self-test: after syncing it writes through the API itself (a keyed
`registerChild` whose first response is thrown away and retried with the same key, the same
request sent again, an update, a guardian request, an erasure) and checks that exactly its own
changes arrive through the subscription, in order, with no gap. Exit status 0 means it passed.

Only ids, kinds and counts are printed: never names, dates of birth or free text.

    python sync_client.py --url http://127.0.0.1:8080 --token "$TOKEN" [--state sync.json]
    SF_URL=... SF_TOKEN=... python sync_client.py --demo

See docs/integration-guide.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional

from gql import Client, GraphQLRequest, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportProtocolError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.websockets import WebsocketsTransport

# --------------------------------------------------------------------------------------------
# The GraphQL documents. Validated locally against schema.graphql when it is at hand (--schema).
# --------------------------------------------------------------------------------------------

RECORD_FRAGMENT = """
fragment Record on Node {
  __typename
  id
  ... on Child { localChildId version }
  ... on NrmReferral { version }
  ... on GuardianAssignment { version }
  ... on OutcomeMeasurement { supersededById }
}
"""

FEED_END = gql("""
    query FeedEnd { changesEndCursor }
""")


CHILDREN_PAGE = gql("""
    query InitialLoad($after: String) {
      children(first: 50, after: $after) {
        nodes {
          id localChildId version
          referrals(first: 20) { nodes { id version } pageInfo { hasNextPage } }
          guardianAssignments { id version }
          outcomeMeasurements(first: 20, includeSuperseded: true) {
            nodes { id } pageInfo { hasNextPage }
          }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
    """)

# The rest of one child's referrals and measurements, when the initial page had more than 20.
CHILD_REFERRALS = gql("""
    query ChildReferrals($id: ID!, $after: String) {
      child(id: $id) {
        referrals(first: 100, after: $after) {
          nodes { id version } pageInfo { hasNextPage endCursor }
        }
      }
    }
    """)
CHILD_MEASUREMENTS = gql("""
    query ChildMeasurements($id: ID!, $after: String) {
      child(id: $id) {
        outcomeMeasurements(first: 100, after: $after, includeSuperseded: true) {
          nodes { id } pageInfo { hasNextPage endCursor }
        }
      }
    }
    """)

CHANGES_PAGE = gql("""
    query CatchUp($after: String) {
      changes(first: 100, after: $after) {
        nodes { cursor kind entityId childId entity { ...Record } }
        pageInfo { hasNextPage endCursor }
      }
    }
    """ + RECORD_FRAGMENT)

# Cursors only, to compare the feed with what the subscription delivered (--demo).
FEED_CURSORS = gql("""
    query FeedCursors($after: String) {
      changes(first: 100, after: $after) {
        nodes { cursor } pageInfo { hasNextPage endCursor }
      }
    }
    """)

NODE = gql("""
    query Reread($id: ID!) { node(id: $id) { ...Record } }
    """ + RECORD_FRAGMENT)

SUBSCRIBE = gql("""
    subscription Follow($after: String) {
      changes(after: $after) { cursor kind entityId childId changedAt }
    }
    """)

REGISTER_CHILD = gql("""
    mutation RegisterChild($input: RegisterChildInput!) {
      registerChild(input: $input) {
        child { id version }
        userErrors { field code }
      }
    }
    """)

UPDATE_CHILD = gql("""
    mutation UpdateChild($input: UpdateChildInput!) {
      updateChild(input: $input) {
        child { id version }
        userErrors { field code }
      }
    }
    """)

REQUEST_GUARDIAN = gql("""
    mutation RequestGuardian($input: RequestGuardianInput!) {
      requestGuardian(input: $input) {
        assignment { id version }
        userErrors { field code }
      }
    }
    """)

ERASE_CHILD = gql("""
    mutation EraseChild($input: EraseChildInput!) {
      eraseChild(input: $input) {
        erasedChildId
        userErrors { field code }
      }
    }
    """)

# --------------------------------------------------------------------------------------------
# Output: ids, kinds and counts only.
# --------------------------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"[sync] {message}", flush=True)


def short(global_id: Optional[str]) -> str:
    """An opaque global id, shortened for reading (it is an id, never personal data)."""
    if not global_id:
        return "-"
    return global_id if len(global_id) <= 16 else f"{global_id[:6]}…{global_id[-8:]}"


# --------------------------------------------------------------------------------------------
# Errors and retries.
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error the request must not be retried unchanged for (or retries ran out)."""

    def __init__(self, what: str, codes: list[str], trace_id: str):
        super().__init__(f"{what}: {', '.join(codes) or 'error'} (trace id {trace_id})")
        self.codes = codes
        self.trace_id = trace_id


class UserErrors(Exception):
    """A mutation answered with `userErrors`: nothing was written. Fix the input; don't retry it."""

    def __init__(self, operation: str, errors: list[dict[str, Any]]):
        self.codes = [error.get("code") or "?" for error in errors]
        super().__init__(f"{operation}: userErrors {self.codes}")


class LostResponse(Exception):
    """Used by --demo: the server answered, but we act as if the response never arrived."""


@dataclass
class Backoff:
    """Exponential backoff with full jitter: 0.25 s, 0.5 s, 1 s, … capped at `cap` seconds."""

    base: float = 0.25
    cap: float = 15.0
    attempt: int = 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.base * (2**self.attempt))
        self.attempt += 1
        return random.uniform(delay / 2, delay)

    def reset(self) -> None:
        self.attempt = 0


def error_codes(error: TransportQueryError) -> list[str]:
    return [
        ((item or {}).get("extensions") or {}).get("code") or "UNKNOWN"
        for item in (error.errors or [])
    ]


def retryable(error: BaseException) -> bool:
    """Network errors, timeouts (ours, or the server's HTTP 408), HTTP 429 and 5xx (503 when the
    server cannot reach its database) and GraphQL INTERNAL errors may be retried (a create with
    the same idempotency key and input). Nothing else: BAD_USER_INPUT, FORBIDDEN, NOT_FOUND,
    UNAUTHENTICATED (HTTP 401) and userErrors answer the same however often they are sent."""
    if isinstance(error, TransportQueryError):
        return "INTERNAL" in error_codes(error)
    if isinstance(error, TransportServerError):
        return error.code is None or error.code >= 500 or error.code in (408, 429)
    return isinstance(
        error,
        (
            TransportConnectionFailed,
            TransportProtocolError,  # e.g. a proxy's HTML error page instead of JSON
            asyncio.TimeoutError,
            ConnectionError,
            LostResponse,
        ),
    )


def new_trace_id() -> str:
    return secrets.token_hex(16)


class Api:
    """`POST /graphql` through gql's aiohttp transport, with retries.

    Every logical request gets a W3C trace id of its own (sent as `traceparent`; every attempt
    is a new span of the same trace), so it can be quoted to the operators even when no response
    arrived. The server's `x-trace-id` response header names the same id."""

    def __init__(self, url: str, token: str, schema: Optional[str], timeout: float):
        self.transport = AIOHTTPTransport(
            url=f"{url.rstrip('/')}/graphql",
            headers={"Authorization": f"Bearer {token}", "X-Purpose": "case system sync"},
            timeout=int(max(1, timeout)),
        )
        self.client = Client(transport=self.transport, schema=schema)
        self.session: Any = None
        self.attempts = 6
        self.retries = 0

    async def __aenter__(self) -> "Api":
        self.session = await self.client.connect_async()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.client.close_async()

    async def call(
        self,
        document: GraphQLRequest,
        variables: Optional[dict[str, Any]] = None,
        *,
        lose_first_response: bool = False,
    ) -> dict[str, Any]:
        """Runs `document`, retrying what may be retried with exponential backoff. A create must
        carry an idempotency key in `variables` for its retry to be safe; the retry sends the
        very same variables (same key, same input)."""
        trace_id = new_trace_id()
        backoff = Backoff()
        name = document.document.definitions[0].name.value  # type: ignore[union-attr]
        for attempt in range(1, self.attempts + 1):
            traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
            try:
                data = await self.session.execute(
                    GraphQLRequest(document, variable_values=variables),
                    extra_args={"headers": {"traceparent": traceparent}},
                )
                if lose_first_response and attempt == 1:
                    raise LostResponse("response dropped on purpose (--demo)")
                if attempt > 1:
                    say(f"{name}: succeeded on attempt {attempt} (trace id {trace_id})")
                return data
            except Exception as error:  # noqa: BLE001 - sorted into retryable or not below
                if isinstance(error, TransportQueryError):
                    codes = error_codes(error)
                elif isinstance(error, TransportServerError):
                    codes = [f"HTTP {error.code}"]
                else:
                    codes = [type(error).__name__]
                if not retryable(error):
                    raise ApiError(name, codes, trace_id) from error
                if attempt == self.attempts:
                    raise ApiError(
                        f"{name} (gave up after {attempt} attempts)", codes, trace_id
                    ) from error
                delay = backoff.next_delay()
                self.retries += 1
                say(
                    f"{name}: attempt {attempt} failed ({', '.join(codes)}); "
                    f"retrying in {delay:.2f}s with the same input (trace id {trace_id})"
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def mutate(
        self,
        document: GraphQLRequest,
        field_name: str,
        payload_field: str,
        input_: dict[str, Any],
        **kwargs: Any,
    ) -> Any:
        """A mutation: returns the payload's entity, or raises UserErrors (nothing written)."""
        data = await self.call(document, {"input": input_}, **kwargs)
        payload = data[field_name]
        if payload["userErrors"]:
            raise UserErrors(field_name, payload["userErrors"])
        return payload[payload_field]


def idempotency_key() -> str:
    """A new key per logical create (1-255 printable ASCII); reused unchanged by its retries."""
    return f"sync-example-{uuid.uuid4()}"


# --------------------------------------------------------------------------------------------
# The local copy.
# --------------------------------------------------------------------------------------------


@dataclass
class Store:
    """What the case system holds. A real one keeps this in its database and writes the cursor
    in the same transaction as the change it applied; here a JSON file replaced atomically."""

    path: Optional[Path] = None
    cursor: Optional[str] = None
    children: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Referrals, guardian assignments and measurements: id -> {type, childId, version}.
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Optional[Path]) -> "Store":
        store = cls(path=path)
        if path and path.exists():
            saved = json.loads(path.read_text())
            store.cursor = saved["cursor"]
            store.children = saved["children"]
            store.records = saved["records"]
        return store

    def save(self) -> None:
        if not self.path:
            return
        text = json.dumps(
            {"cursor": self.cursor, "children": self.children, "records": self.records}
        )
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".sync-state-")
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)

    def upsert(self, entity: dict[str, Any], child_id: str) -> None:
        kind = entity["__typename"]
        held = self.children if kind == "Child" else self.records
        current = held.get(entity["id"])
        version = entity.get("version")
        # Never go back to an older version (the feed's `entity` is always the newest, so this
        # only guards against mixing sources, e.g. an old page and a fresh notification).
        if current and version is not None and current.get("version", 0) > version:
            return
        if kind == "Child":
            held[entity["id"]] = {"localChildId": entity["localChildId"], "version": version}
        else:
            held[entity["id"]] = {"type": kind, "childId": child_id, "version": version}

    def forget(self, entity_id: str) -> None:
        self.children.pop(entity_id, None)
        self.records.pop(entity_id, None)

    def purge_child(self, child_id: str) -> int:
        """ERASED: delete the child and every record that belongs to them."""
        doomed = [rid for rid, rec in self.records.items() if rec["childId"] == child_id]
        for rid in doomed:
            del self.records[rid]
        removed = 1 if self.children.pop(child_id, None) is not None else 0
        return removed + len(doomed)


# --------------------------------------------------------------------------------------------
# Initial load, catch-up, live.
# --------------------------------------------------------------------------------------------


async def feed_end(api: Api) -> Optional[str]:
    """The cursor of the feed's last entry now (None for an empty feed). Read BEFORE the initial
    load: every change that commits while the load runs then comes after it."""
    return (await api.call(FEED_END, {}))["changesEndCursor"]


async def _rest_of(api: Api, doc: GraphQLRequest, field_name: str, child_id: str) -> list[dict]:
    nodes: list[dict] = []
    after: Optional[str] = None
    while True:
        child = (await api.call(doc, {"id": child_id, "after": after}))["child"]
        if child is None:  # erased meanwhile: the catch-up's ERASED entry purges it
            return nodes
        connection = child[field_name]
        nodes.extend(connection["nodes"])
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes
        after = connection["pageInfo"]["endCursor"]


async def initial_load(api: Api, store: Store) -> None:
    started = time.monotonic()
    store.cursor = await feed_end(api)
    after: Optional[str] = None
    pages = 0
    while True:
        page = (await api.call(CHILDREN_PAGE, {"after": after}))["children"]
        pages += 1
        for child in page["nodes"]:
            cid = child["id"]
            store.children[cid] = {
                "localChildId": child["localChildId"],
                "version": child["version"],
            }
            referrals = child["referrals"]["nodes"]
            if child["referrals"]["pageInfo"]["hasNextPage"]:
                referrals = await _rest_of(api, CHILD_REFERRALS, "referrals", cid)
            measurements = child["outcomeMeasurements"]["nodes"]
            if child["outcomeMeasurements"]["pageInfo"]["hasNextPage"]:
                measurements = await _rest_of(api, CHILD_MEASUREMENTS, "outcomeMeasurements", cid)
            for r in referrals:
                store.records[r["id"]] = {
                    "type": "NrmReferral",
                    "childId": cid,
                    "version": r["version"],
                }
            for a in child["guardianAssignments"] or []:
                store.records[a["id"]] = {
                    "type": "GuardianAssignment",
                    "childId": cid,
                    "version": a["version"],
                }
            for m in measurements:
                store.records[m["id"]] = {
                    "type": "OutcomeMeasurement",
                    "childId": cid,
                    "version": None,
                }
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    store.save()
    say(
        f"initial load: {len(store.children)} children, {len(store.records)} records "
        f"in {pages} page(s), {time.monotonic() - started:.2f}s; feed position noted first"
    )


def apply_change(
    store: Store, kind: str, entity_id: str, child_id: str, entity: Optional[dict]
) -> None:
    if kind in ("ERASED", "TRANSFERRED_OUT"):
        # Erased, or moved to another authority with everything recorded about them: a case
        # system archives its copy under its own retention rules; this one just drops it.
        store.purge_child(child_id)
    elif entity is not None and entity["__typename"] == "Transfer":
        pass  # a step of a transfer (offered, declined, ...): none of the child's records changed
    elif entity is None:
        # Erased since this entry was written; the ERASED entry further on purges the rest.
        store.forget(entity_id)
    else:
        store.upsert(entity, child_id)


async def catch_up(api: Api, store: Store) -> int:
    """Follows the feed from the stored cursor until an empty page (= up to date)."""
    applied = 0
    kinds: dict[str, int] = {}
    while True:
        page = (await api.call(CHANGES_PAGE, {"after": store.cursor}))["changes"]
        for change in page["nodes"]:
            apply_change(
                store, change["kind"], change["entityId"], change["childId"], change["entity"]
            )
            store.cursor = change["cursor"]  # only now that the change is applied
            store.save()
            applied += 1
            kinds[change["kind"]] = kinds.get(change["kind"], 0) + 1
        if not page["nodes"]:
            break  # up to date: keep the cursor
    summary = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "nothing new"
    say(f"catch-up: {applied} change(s) applied ({summary}); {len(store.children)} children held")
    return applied


class TokenExpired(Exception):
    """The WebSocket was closed with 4401: get a new token, then resume with the cursor."""


class Refused(Exception):
    """The WebSocket was closed with 4403: the token was refused at connection_init."""


def close_code(error: BaseException) -> Optional[int]:
    """The WebSocket close code behind a gql transport error, if there was one."""
    seen: set[int] = set()
    todo: list[Optional[BaseException]] = [error]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        received = getattr(item, "rcvd", None)  # websockets' ConnectionClosed
        if received is not None and getattr(received, "code", None) is not None:
            return received.code
        todo.extend([item.__cause__, item.__context__])
    return None


def ws_url(url: str) -> str:
    base = url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :] + "/graphql/ws"
    return "ws://" + base.removeprefix("http://") + "/graphql/ws"


def ws_transport(url: str, token: str) -> WebsocketsTransport:
    return WebsocketsTransport(
        url=ws_url(url),
        # The token goes in connection_init, never in the URL (URLs end up in logs).
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        ping_interval=20,
        pong_timeout=10,
    )


async def apply_notification(api: Api, store: Store, note: dict[str, Any]) -> None:
    """Notifications carry ids only: re-read the record, then apply, then move the cursor."""
    entity = None
    if note["kind"] != "ERASED":
        entity = (await api.call(NODE, {"id": note["entityId"]}))["node"]
    apply_change(store, note["kind"], note["entityId"], note["childId"], entity)
    store.cursor = note["cursor"]
    store.save()


async def follow_live(
    api: Api,
    store: Store,
    url: str,
    token: str,
    schema: Optional[str],
    on_applied: Optional[Callable[[dict[str, Any]], Awaitable[None]]] = None,
) -> None:
    """Applies notifications as they come; reconnects with backoff, resuming from the cursor.
    Runs until cancelled, or raises TokenExpired / Refused."""
    backoff = Backoff(base=0.5, cap=30)
    while True:
        try:
            async with Client(transport=ws_transport(url, token), schema=schema) as session:
                say(f"live: subscribing after cursor {store.cursor or '(start)'}")
                request = GraphQLRequest(SUBSCRIBE, variable_values={"after": store.cursor})
                async for data in session.subscribe(request):
                    note = data["changes"]
                    await apply_notification(api, store, note)
                    backoff.reset()
                    if on_applied:
                        await on_applied(note)
            # The server completed the subscription (it does not, normally): subscribe again.
            await asyncio.sleep(backoff.next_delay())
        except TransportQueryError as error:
            # An error instead of a notification (the subscription then ends). INTERNAL: try
            # again from the cursor; anything else (FORBIDDEN: no children:read) will not pass.
            if not retryable(error):
                raise ApiError("subscription", error_codes(error), "-") from error
            delay = backoff.next_delay()
            say(
                f"live: {', '.join(error_codes(error))}; "
                f"resubscribing in {delay:.1f}s from the cursor"
            )
            await asyncio.sleep(delay)
        except (
            TransportConnectionFailed,
            TransportProtocolError,
            TransportServerError,
            OSError,
            asyncio.TimeoutError,
        ) as error:
            code = close_code(error)
            if code == 4401:
                raise TokenExpired("token expired (4401): get a new token and resume") from error
            if code == 4403:
                raise Refused("token refused at connection_init (4403)") from error
            delay = backoff.next_delay()
            say(
                f"live: connection lost (close code {code}); "
                f"resuming in {delay:.1f}s from the cursor"
            )
            await asyncio.sleep(delay)


# --------------------------------------------------------------------------------------------
# --demo: write, then check our own changes arrive through the subscription.
# --------------------------------------------------------------------------------------------


def check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)
    say(f"ok: {what}")


async def expect_refused(url: str, schema: Optional[str]) -> None:
    """A bad token is refused at connection_init with close code 4403."""
    try:
        async with Client(transport=ws_transport(url, "not-a-token"), schema=schema) as session:
            async for _ in session.subscribe(
                GraphQLRequest(SUBSCRIBE, variable_values={"after": None})
            ):
                break
    except Exception as error:  # noqa: BLE001
        check(
            close_code(error) == 4403, f"a bad token is closed with 4403 (got {close_code(error)})"
        )
        return
    raise AssertionError("a bad token was accepted")


async def feed_cursors_after(api: Api, after: Optional[str]) -> list[str]:
    cursors: list[str] = []
    while True:
        page = (await api.call(FEED_CURSORS, {"after": after}))["changes"]
        cursors.extend(node["cursor"] for node in page["nodes"])
        if not page["nodes"]:
            return cursors
        after = page["pageInfo"]["endCursor"]


class Live:
    """The subscription as a background task, recording each notification once applied."""

    def __init__(self, api: Api, store: Store, url: str, token: str, schema: Optional[str]):
        self.received: list[dict[str, Any]] = []
        self.arrived = asyncio.Condition()
        self.task = asyncio.create_task(
            follow_live(api, store, url, token, schema, self.on_applied)
        )

    async def on_applied(self, note: dict[str, Any]) -> None:
        async with self.arrived:
            self.received.append(note)
            self.arrived.notify_all()

    async def until(self, kind: str, entity_id: str, timeout: float = 60) -> None:
        def seen() -> bool:
            if self.task.done():  # failed: let its exception through
                self.task.result()
            return any(n["kind"] == kind and n["entityId"] == entity_id for n in self.received)

        async def wait() -> None:
            async with self.arrived:
                while not seen():
                    try:
                        await asyncio.wait_for(self.arrived.wait(), timeout=1)
                    except asyncio.TimeoutError:
                        pass

        await asyncio.wait_for(wait(), timeout=timeout)

    async def stop(self) -> None:
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass


def synthetic_child() -> dict[str, Any]:
    """A made-up child: a random case-system id and a fixed date. Never real data."""
    return {
        "localChildId": f"EX{secrets.token_hex(5).upper()}",
        "dateOfBirth": "2012-02-02",
        "dateOfBirthEstimated": True,
        "idempotencyKey": idempotency_key(),
    }


async def demo(api: Api, store: Store, url: str, token: str, schema: Optional[str]) -> None:
    await expect_refused(url, schema)

    subscribed_after = store.cursor
    live = Live(api, store, url, token, schema)
    try:
        # 1. A keyed create whose response is "lost": the retry carries the same key and input.
        register = synthetic_child()
        child = await api.mutate(
            REGISTER_CHILD, "registerChild", "child", register, lose_first_response=True
        )
        child_id = child["id"]
        say(f"registered child {short(child_id)} (version {child['version']}) after a retry")

        # 2. The same request again: the same child, nothing new written.
        again = await api.mutate(REGISTER_CHILD, "registerChild", "child", register)
        check(again["id"] == child_id, "the same key and input answer with the same child")

        # 3. The same key with a different input is refused.
        try:
            await api.mutate(
                REGISTER_CHILD, "registerChild", "child", {**register, "dateOfBirth": "2012-02-03"}
            )
            raise AssertionError("a reused key with a different input was accepted")
        except UserErrors as refused:
            check(
                refused.codes == ["IDEMPOTENCY_CONFLICT"],
                "a reused key with another input: IDEMPOTENCY_CONFLICT",
            )

        # 4. An update with the version we read; then one with a stale version (refused).
        updated = await api.mutate(
            UPDATE_CHILD,
            "updateChild",
            "child",
            {"childId": child_id, "expectedVersion": child["version"], "interpreterRequired": True},
        )
        check(updated["version"] == child["version"] + 1, "the update took the next version")
        try:
            await api.mutate(
                UPDATE_CHILD,
                "updateChild",
                "child",
                {"childId": child_id, "expectedVersion": child["version"], "ageDisputed": True},
            )
            raise AssertionError("a stale update was accepted")
        except UserErrors as refused:
            check(
                refused.codes == ["STALE_VERSION"], "an update with an old version: STALE_VERSION"
            )

        # 5. A keyed guardian request for the child, then the child's erasure.
        assignment = await api.mutate(
            REQUEST_GUARDIAN,
            "requestGuardian",
            "assignment",
            {
                "childId": child_id,
                "service": "ICTG",
                "role": "DIRECT_WORKER",
                "requestedAt": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                "idempotencyKey": idempotency_key(),
            },
        )
        erased = await api.mutate(
            ERASE_CHILD,
            "eraseChild",
            "erasedChildId",
            {
                "childId": child_id,
                "expectedVersion": updated["version"],
                "reason": "RECORDED_IN_ERROR",
            },
        )
        check(erased == child_id, "the erasure named our child")

        # 6. Our four changes arrive through the subscription, in order.
        await live.until("ERASED", child_id)
        ours = [(n["kind"], n["entityId"]) for n in live.received if n["childId"] == child_id]
        expected = [
            ("CREATED", child_id),
            ("UPDATED", child_id),
            ("CREATED", assignment["id"]),
            ("ERASED", child_id),
        ]
        check(
            ours == expected,
            "our changes arrived live in order: "
            "CREATED, UPDATED, CREATED (guardian request), ERASED "
            "(one CREATED although the create was sent three times; nothing for the refused ones)",
        )

        # 7. No gap: the subscription delivered exactly the feed's entries after its start.
        feed = await feed_cursors_after(api, subscribed_after)
        got = [n["cursor"] for n in live.received]
        check(
            feed[: len(got)] == got,
            f"no gap: the {len(got)} notification(s) are the feed's entries, in order",
        )

        # 8. The local copy: the child and their guardian request are gone; the cursor is saved.
        check(
            child_id not in store.children and assignment["id"] not in store.records,
            "the erased child and their records are purged locally",
        )
        if store.path:
            saved = json.loads(store.path.read_text())
            check(saved["cursor"] == got[-1], "the saved cursor is the last change applied")
    finally:
        await live.stop()

    # 9. Disconnected: changes made meanwhile arrive once we subscribe again with the cursor.
    resumed_after = store.cursor
    other = await api.mutate(REGISTER_CHILD, "registerChild", "child", synthetic_child())
    await api.mutate(
        ERASE_CHILD,
        "eraseChild",
        "erasedChildId",
        {
            "childId": other["id"],
            "expectedVersion": other["version"],
            "reason": "RECORDED_IN_ERROR",
        },
    )
    say(f"while unsubscribed: registered and erased child {short(other['id'])}")
    live = Live(api, store, url, token, schema)
    try:
        await live.until("ERASED", other["id"])
        ours = [(n["kind"], n["entityId"]) for n in live.received if n["childId"] == other["id"]]
        got = [n["cursor"] for n in live.received]
        feed = await feed_cursors_after(api, resumed_after)
        check(
            ours == [("CREATED", other["id"]), ("ERASED", other["id"])] and feed[: len(got)] == got,
            "resumed with the saved cursor: what committed while disconnected arrived, in order",
        )
        check(other["id"] not in store.children, "that child is purged locally too")
    finally:
        await live.stop()


# --------------------------------------------------------------------------------------------


def default_schema() -> Optional[str]:
    here = Path(__file__).resolve().parent
    candidate = here.parent.parent / "schema.graphql"
    return str(candidate) if candidate.exists() else None


async def run(args: argparse.Namespace) -> int:
    schema = Path(args.schema).read_text() if args.schema else None
    state_dir = None
    state = Path(args.state) if args.state else None
    if args.demo and state is None:
        state_dir = tempfile.TemporaryDirectory(prefix="sf-sync-")
        state = Path(state_dir.name) / "sync-state.json"
    store = Store.open(state)
    try:
        async with Api(args.url, args.token, schema, args.timeout) as api:
            if store.cursor is None and not store.children:
                await initial_load(api, store)
            else:
                say(f"resuming from the saved cursor with {len(store.children)} children held")
            await catch_up(api, store)
            if args.demo:
                await demo(api, store, args.url, args.token, schema)
                say(
                    f"demo passed ({api.retries} "
                    f"retr{'y' if api.retries == 1 else 'ies'} on the way)"
                )
                return 0
            if args.no_live:
                return 0
            try:
                task = follow_live(api, store, args.url, args.token, schema)
                if args.live_seconds:
                    await asyncio.wait_for(task, timeout=args.live_seconds)
                else:
                    await task
            except asyncio.TimeoutError:
                say(f"live: stopping after {args.live_seconds}s; cursor saved")
            except TokenExpired as error:
                say(f"live: {error}")
                return 3
            return 0
    except (ApiError, Refused, UserErrors) as error:
        say(f"failed: {error}")
        return 1
    finally:
        if state_dir:
            state_dir.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("SF_URL", "http://127.0.0.1:8080"),
        help="the API's base URL (env SF_URL)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("SF_TOKEN"),
        help="bearer token (env SF_TOKEN; the environment keeps it out of `ps`)",
    )
    parser.add_argument(
        "--state", help="JSON file for the local copy and the cursor (resumes from it)"
    )
    parser.add_argument(
        "--schema",
        default=default_schema(),
        help="schema.graphql to validate the documents against locally ('' for none)",
    )
    parser.add_argument("--timeout", type=float, default=10, help="seconds per HTTP request")
    parser.add_argument(
        "--live-seconds",
        type=float,
        default=0,
        help="follow the subscription this long (default: until interrupted)",
    )
    parser.add_argument("--no-live", action="store_true", help="stop after the catch-up")
    parser.add_argument("--demo", action="store_true", help="self-test: write, and check the feed")
    args = parser.parse_args()
    if not args.token:
        parser.error("a token is needed: --token or SF_TOKEN")
    try:
        return asyncio.run(run(args))
    except AssertionError as error:
        say(f"FAILED: {error}")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
