#!/usr/bin/env python3
"""The change feed's numbers: how fast a client reads the feed, and how soon a subscriber hears
of a write. Prints a table; asserts no timing, but fails on any error.

  (a) feed read throughput: register --writes children (concurrently over HTTP), then read the
      whole feed from the start with `changes(first: 100)` pages, one client following cursors
      as a case system does: once with ids only (cursor kind entityId childId changedAt), once
      also re-reading each record through `entity`. Best of --passes.
  (b) notification latency: one subscriber (graphql-transport-ws, through gql), --latency-writes
      sequential registerChild calls; for each, the time from the write's HTTP response received
      (and from its request sent) to its notification received. A notification can arrive before
      the response (the commit wakes the subscriber while the response is still on its way), so
      "after response" can be negative.

Run it against a development server started like the integration example:

    bench/feed.sh [--writes 2000] [--latency-writes 50] ...

or against any server: SF_URL=http://127.0.0.1:8080 SF_TOKEN=... python bench/feed.py
(the token needs children:read and children:write). It writes synthetic children into the
token's local authority: never point it at real data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import time
from typing import Any, Optional

import aiohttp
from gql import Client, GraphQLRequest, gql
from gql.transport.websockets import WebsocketsTransport

REGISTER = """
mutation BenchRegister($input: RegisterChildInput!) {
  registerChild(input: $input) { child { id } userErrors { code } }
}
"""

FEED_IDS = """
query BenchFeed($after: String) {
  changes(first: 100, after: $after) {
    nodes { cursor kind entityId childId changedAt }
    pageInfo { hasNextPage endCursor }
  }
}
"""

FEED_ENTITIES = """
query BenchFeedEntities($after: String) {
  changes(first: 100, after: $after) {
    nodes {
      cursor kind entityId childId changedAt
      entity { id ... on Child { localChildId version } ... on NrmReferral { version }
               ... on GuardianAssignment { version } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

SUBSCRIBE = gql("""
    subscription BenchFollow($after: String) {
      changes(after: $after) { cursor kind entityId childId changedAt }
    }
    """)


class Failed(Exception):
    pass


class Http:
    def __init__(self, url: str, token: str, purpose: str = "feed benchmark"):
        self.url = f"{url.rstrip('/')}/graphql"
        self.headers = {"Authorization": f"Bearer {token}", "X-Purpose": purpose}
        self.session: Optional[aiohttp.ClientSession] = None

    async def __aenter__(self) -> "Http":
        self.session = aiohttp.ClientSession(
            headers=self.headers,
            timeout=aiohttp.ClientTimeout(total=60),
            connector=aiohttp.TCPConnector(limit=64),
        )
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self.session
        await self.session.close()

    async def post(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        assert self.session
        async with self.session.post(
            self.url, json={"query": query, "variables": variables}
        ) as resp:
            body = await resp.json(content_type=None)
            if resp.status != 200 or body.get("errors"):
                codes = [
                    ((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []
                ]
                raise Failed(
                    f"HTTP {resp.status}, errors {codes}, trace id {resp.headers.get('x-trace-id')}"
                )
            return body["data"]


def child_input(run: str, n: int) -> dict[str, Any]:
    # Synthetic: an id made of the run's prefix and a counter, a fixed date.
    return {"localChildId": f"FB{run}{n:06d}", "dateOfBirth": "2011-04-01"}


async def register(http: Http, run: str, n: int) -> str:
    data = await http.post(REGISTER, {"input": child_input(run, n)})
    payload = data["registerChild"]
    if payload["userErrors"]:
        raise Failed(f"registerChild: userErrors {[e['code'] for e in payload['userErrors']]}")
    return payload["child"]["id"]


async def write_many(http: Http, run: str, count: int, concurrency: int) -> float:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker() -> None:
        while True:
            try:
                n = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await register(http, run, n)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def read_feed(http: Http, query: str) -> tuple[int, int, float]:
    """Follows the feed from the start to an empty page: (changes, pages, seconds)."""
    cursor: Optional[str] = None
    changes = pages = 0
    started = time.perf_counter()
    while True:
        page = (await http.post(query, {"after": cursor}))["changes"]
        pages += 1
        if not page["nodes"]:
            break
        changes += len(page["nodes"])
        cursor = page["pageInfo"]["endCursor"]
    return changes, pages, time.perf_counter() - started


async def feed_end(http: Http) -> Optional[str]:
    cursor: Optional[str] = None
    while True:
        page = (await http.post(FEED_IDS, {"after": cursor}))["changes"]
        if not page["nodes"]:
            return cursor
        cursor = page["pageInfo"]["endCursor"]


def ws_url(url: str) -> str:
    base = url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :] + "/graphql/ws"
    return "ws://" + base.removeprefix("http://") + "/graphql/ws"


async def latency(
    http: Http, url: str, token: str, run: str, writes: int
) -> dict[str, list[float]]:
    arrivals: dict[str, float] = {}
    arrived = asyncio.Condition()
    after = await feed_end(http)

    async def follow() -> None:
        transport = WebsocketsTransport(
            url=ws_url(url),
            init_payload={"Authorization": f"Bearer {token}"},
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        )
        async with Client(transport=transport) as session:
            async for data in session.subscribe(
                GraphQLRequest(SUBSCRIBE, variable_values={"after": after})
            ):
                at = time.perf_counter()
                note = data["changes"]
                if note["kind"] == "CREATED":
                    async with arrived:
                        arrivals[note["entityId"]] = at
                        arrived.notify_all()

    async def wait_for(entity_id: str) -> float:
        async with arrived:
            await asyncio.wait_for(arrived.wait_for(lambda: entity_id in arrivals), timeout=60)
            return arrivals[entity_id]

    follower = asyncio.create_task(follow())
    try:
        # Warm-up: the subscription is connected and caught up once this one is heard.
        warm = await register(http, run, 900000)
        await wait_for(warm)
        after_response: list[float] = []
        from_send: list[float] = []
        for n in range(writes):
            sent = time.perf_counter()
            entity_id = await register(http, run, 900001 + n)
            answered = time.perf_counter()
            heard = await wait_for(entity_id)
            after_response.append((heard - answered) * 1000)
            from_send.append((heard - sent) * 1000)
        return {"after response": after_response, "from request sent": from_send}
    finally:
        follower.cancel()
        try:
            await follower
        except asyncio.CancelledError:
            pass


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def run(args: argparse.Namespace) -> int:
    run_id = secrets.token_hex(3).upper()
    async with Http(args.url, args.token) as http:
        print(f"writing {args.writes} children ({args.concurrency} at a time) ...", flush=True)
        seconds = await write_many(http, run_id, args.writes, args.concurrency)
        write_rate = args.writes / seconds

        reads: dict[str, tuple[int, int, float]] = {}
        for label, query in (("ids only", FEED_IDS), ("with entity", FEED_ENTITIES)):
            best: Optional[tuple[int, int, float]] = None
            for _ in range(args.passes):
                result = await read_feed(http, query)
                if best is None or result[2] < best[2]:
                    best = result
            assert best is not None
            reads[label] = best

        print(f"{args.latency_writes} sequential writes with one subscriber ...", flush=True)
        lat = await latency(http, args.url, args.token, run_id, args.latency_writes)

    print()
    print(f"Change feed ({args.label})")
    print()
    print("| what | result |")
    print("|---|---|")
    print(
        f"| writes (registerChild, {args.concurrency} concurrent) | "
        f"{args.writes} in {seconds:.1f} s = {write_rate:.0f}/s |"
    )
    for label, (changes, pages, secs) in reads.items():
        print(
            f"| feed read, {label} (first: 100, best of {args.passes}) | "
            f"{changes} changes, {pages} pages in {secs:.2f} s = "
            f"**{changes / secs:.0f} changes/s** |"
        )
    print()
    print(f"| notification latency, {args.latency_writes} writes (ms) | median | p95 | max |")
    print("|---|---|---|---|")
    for label, values in lat.items():
        print(
            f"| {label} | {statistics.median(values):.1f} | "
            f"{percentile(values, 95):.1f} | {max(values):.1f} |"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("SF_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--token", default=os.environ.get("SF_TOKEN"))
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--passes", type=int, default=3, help="feed reads per variant (best taken)")
    parser.add_argument("--latency-writes", type=int, default=50)
    parser.add_argument(
        "--label",
        default=os.environ.get("SF_BENCH_LABEL", "server as started"),
        help="what the numbers are of (bench/feed.sh says which binary)",
    )
    args = parser.parse_args()
    if not args.token:
        parser.error("a token is needed: --token or SF_TOKEN")
    try:
        return asyncio.run(run(args))
    except Failed as error:
        print(f"feed benchmark failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
