#!/usr/bin/env python3
"""What moving a child costs (issue #17): how long `acceptTransfer` takes for a child with few or
many records, and how long other writers in both authorities wait meanwhile (an acceptance holds
both authorities' feed locks from its feed entries to its commit). Prints a table; asserts no
timing, but fails on any error and on any record that did not move.

  For each size (referrals, guardian requests, measurements), --children synthetic children are
  registered in Islington with their records, then each is offered to Camden (`offerTransfer`)
  and accepted (`acceptTransfer`), one at a time; each step's round trip is timed. Afterwards
  every record must read in Camden and nothing of the child in Islington.

  Other writers: one client registers children in Camden, one at a time, first alone (the
  baseline), then while the largest children are accepted; the latencies of the writes that
  overlapped an acceptance are compared with the baseline.

Run it against a development server started like the integration example:

    bench/transfers.sh [--children 10] [--sizes 1:1:4,3:1:50,5:1:500]

It needs tokens for Islington and Camden: SF_URL, SF_TOKEN_ISLINGTON and SF_TOKEN_CAMDEN (each
with the read and write scopes of children, referrals, guardians, outcomes and transfers), which bench/transfers.sh mints. It writes synthetic children (ids BT…, NHS
numbers in the 999 test range): never point it at real data.
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

import feed  # bench/feed.py: its HTTP client (the script's folder is on sys.path)
from feed import Failed

ISLINGTON, CAMDEN = "E09000019", "E09000007"

REGISTER = """mutation BenchRegister($input: RegisterChildInput!) {
  registerChild(input: $input) { child { id } userErrors { code } } }"""
REFER = """mutation BenchRefer($input: SubmitReferralInput!) {
  submitReferral(input: $input) { referral { id } userErrors { code } } }"""
REQUEST_GUARDIAN = """mutation BenchGuardian($input: RequestGuardianInput!) {
  requestGuardian(input: $input) { assignment { id } userErrors { code } } }"""
MEASURE = """mutation BenchMeasure($input: RecordOutcomeMeasurementInput!) {
  recordOutcomeMeasurement(input: $input) { measurement { id } userErrors { code } } }"""
OFFER = """mutation BenchOffer($input: OfferTransferInput!) {
  offerTransfer(input: $input) { transfer { id version } userErrors { code } } }"""
ACCEPT = """mutation BenchAccept($input: AcceptTransferInput!) {
  acceptTransfer(input: $input) { transfer { status } userErrors { code } } }"""
NODES = """query BenchNodes($ids: [ID!]!) { nodes(ids: $ids) { id } }"""


class Http(feed.Http):
    """The feed benchmark's client, named for this benchmark in the audit trail, with a mutation
    helper that fails on any user error."""

    def __init__(self, url: str, token: str):
        super().__init__(url, token, purpose="transfer benchmark")

    async def mutate(self, query: str, field: str, input_: dict[str, Any]) -> dict[str, Any]:
        payload = (await self.post(query, {"input": input_}))[field]
        if payload["userErrors"]:
            raise Failed(f"{field}: userErrors {[e['code'] for e in payload['userErrors']]}")
        return payload


def nhs_number(serial: int) -> Optional[str]:
    """A valid NHS number in the 999 test range (None when the check digit would be 10)."""
    body = "999%06d" % serial
    total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1)))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return None if check == 10 else body + str(check)


class Size:
    def __init__(self, spec: str):
        referrals, guardians, measurements = (int(n) for n in spec.split(":"))
        if guardians not in (0, 1):
            raise SystemExit(f"--sizes {spec}: a child has at most one open guardian request per service")
        self.referrals, self.guardians, self.measurements = referrals, guardians, measurements

    @property
    def records(self) -> int:
        return 1 + self.referrals + self.guardians + self.measurements

    def __str__(self) -> str:
        def count(n: int, what: str) -> str:
            return f"{n} {what}{'' if n == 1 else 's'}"

        return ", ".join([count(self.referrals, "referral"), count(self.guardians, "guardian request"),
                          count(self.measurements, "measurement")])


async def child_with_records(http: Http, run: str, n: int, size: Size, serial: int) -> list[str]:
    """Registers a child with `size`'s records; returns every id, the child's first."""
    child_input: dict[str, Any] = {"localChildId": f"BT{run}{n:05d}", "dateOfBirth": "2010-05-01"}
    nhs = nhs_number(serial)
    if nhs:
        child_input["nhsNumber"] = nhs
    child = (await http.mutate(REGISTER, "registerChild", child_input))["child"]["id"]
    ids = [child]
    for r in range(size.referrals):
        referral = await http.mutate(REFER, "submitReferral", {
            "childId": child, "referredAt": f"2025-0{1 + r % 9}-03T09:00:00Z",
            "firstResponder": {"organisationType": "POLICE", "organisationName": "Metropolitan Police Service"},
            "exploitationTypes": ["CRIMINAL"], "countyLines": True, "exploitationLocation": "UK",
            "competentAuthority": "SCA"})
        ids.append(referral["referral"]["id"])
    for _ in range(size.guardians):
        assignment = await http.mutate(REQUEST_GUARDIAN, "requestGuardian", {
            "childId": child, "service": "ICTG", "role": "DIRECT_WORKER",
            "requestedAt": "2025-03-04T09:00:00Z"})
        ids.append(assignment["assignment"]["id"])

    async def measure(m: int) -> str:
        payload = await http.mutate(MEASURE, "recordOutcomeMeasurement", {
            "childId": child, "outcomeKey": "being_safe_and_feeling_safe",
            "observedAt": f"2025-04-01T{m // 3600 % 24:02d}:{m // 60 % 60:02d}:{m % 60:02d}Z",
            "youngPersonParticipated": False, "practitionerRating": 1 + m % 5})
        return payload["measurement"]["id"]

    for start in range(0, size.measurements, 8):
        ids += await asyncio.gather(*(measure(m) for m in range(start, min(start + 8, size.measurements))))
    return ids


async def visible(http: Http, ids: list[str]) -> int:
    seen = 0
    for start in range(0, len(ids), 100):
        nodes = (await http.post(NODES, {"ids": ids[start : start + 100]}))["nodes"]
        seen += sum(1 for node in nodes if node is not None)
    return seen


def ms(seconds: list[float], q: Optional[float] = None) -> str:
    if not seconds:
        return "-"
    if q is None:
        return f"{statistics.median(seconds) * 1000:.1f}"
    ordered = sorted(seconds)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.1f}"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=10, help="children moved per size")
    parser.add_argument("--sizes", default="1:1:4,3:1:50,5:1:500",
                        help="referrals:guardian requests (0 or 1: one open per service):measurements per child, comma-separated")
    parser.add_argument("--baseline-writes", type=int, default=50)
    parser.add_argument("--verbose", action="store_true", help="each acceptance's time, in order, on stderr")
    args = parser.parse_args()
    url = os.environ["SF_URL"]
    sizes = [Size(spec) for spec in args.sizes.split(",")]
    run = secrets.token_hex(2).upper()
    print(f"# transfers: {os.environ.get('SF_BENCH_LABEL', 'server at ' + url)}")
    print(f"# {args.children} children per size, offered and accepted one at a time")

    async with Http(url, os.environ["SF_TOKEN_ISLINGTON"]) as islington, \
            Http(url, os.environ["SF_TOKEN_CAMDEN"]) as camden:
        rows = []
        acceptances: list[tuple[float, float]] = []
        serial = int(run, 16) % 900 * 1000  # NHS numbers 999000000-999899999: never one held already
        for index, size in enumerate(sizes):
            children = []
            for n in range(args.children):
                serial += 1
                children.append(await child_with_records(islington, run, index * 10000 + n, size, serial))
            offers, accepts = [], []
            for n, ids in enumerate(children):
                started = time.perf_counter()
                offered = await islington.mutate(OFFER, "offerTransfer", {
                    "childId": ids[0], "toLocalAuthority": CAMDEN, "reason": "NATIONAL_TRANSFER_SCHEME",
                    "responsibilityFrom": time.strftime("%Y-%m-%d", time.gmtime()),
                    "note": "Synthetic benchmark transfer"})
                offers.append(time.perf_counter() - started)
                started = time.perf_counter()
                accepted = await camden.mutate(ACCEPT, "acceptTransfer", {
                    "transferId": offered["transfer"]["id"], "expectedVersion": offered["transfer"]["version"],
                    "localChildId": f"BTC{run}{index * 10000 + n:05d}", "allowDuplicate": False})
                ended = time.perf_counter()
                accepts.append(ended - started)
                if index == len(sizes) - 1:
                    acceptances.append((started, ended))
                if accepted["transfer"]["status"] != "ACCEPTED":
                    raise Failed(f"acceptTransfer answered {accepted['transfer']['status']}")
            for ids in children:
                held, left = await visible(camden, ids), await visible(islington, ids)
                if held != len(ids) or left != 0:
                    raise Failed(f"after acceptance Camden reads {held} of {len(ids)} records, Islington {left}")
            rows.append((size, offers, accepts))
            if args.verbose:
                print(f"# {size.records} records: accept ms in order "
                      + " ".join(f"{a * 1000:.0f}" for a in accepts), file=sys.stderr)

        print()
        print("| records per child | offer p50 ms | accept p50 / p90 / max ms | records moved per s (p50) |")
        print("|---|---|---|---|")
        for size, offers, accepts in rows:
            rate = size.records / statistics.median(accepts)
            print(f"| {size.records} ({size}) | {ms(offers)} | {ms(accepts)} / {ms(accepts, 0.9)} / "
                  f"{max(accepts) * 1000:.1f} | {rate:,.0f} |")

        # Other writers: the baseline alone, then beside acceptances of the largest size.
        async def write(http: Http, label: str, n: int) -> tuple[float, float]:
            started = time.perf_counter()
            await http.mutate(REGISTER, "registerChild", {"localChildId": f"BW{label}{run}{n:05d}", "dateOfBirth": "2011-04-01"})
            return started, time.perf_counter()

        baseline = [end - start for start, end in [await write(camden, "B", n) for n in range(args.baseline_writes)]]
        largest = sizes[-1]
        children = []
        for n in range(args.children):
            serial += 1
            children.append(await child_with_records(islington, run, 90000 + n, largest, serial))
        overlapped: list[float] = []
        done = asyncio.Event()

        async def other_writer() -> None:
            n = 0
            while not done.is_set():
                start, end = await write(camden, "D", n)
                n += 1
                if any(a_start < end and start < a_end for a_start, a_end in accepting):
                    overlapped.append(end - start)

        accepting: list[tuple[float, float]] = []
        writer = asyncio.create_task(other_writer())
        for n, ids in enumerate(children):
            offered = await islington.mutate(OFFER, "offerTransfer", {
                "childId": ids[0], "toLocalAuthority": CAMDEN, "reason": "FAMILY_MOVE",
                "responsibilityFrom": time.strftime("%Y-%m-%d", time.gmtime())})
            started = time.perf_counter()
            await camden.mutate(ACCEPT, "acceptTransfer", {
                "transferId": offered["transfer"]["id"], "expectedVersion": offered["transfer"]["version"],
                "localChildId": f"BTD{run}{n:05d}", "allowDuplicate": False})
            accepting.append((started, time.perf_counter()))
            await asyncio.sleep(0.05)
        done.set()
        await writer
        print()
        print(f"Another Camden writer (registerChild, one at a time) beside acceptances of {largest.records} records:")
        print(f"  alone: p50 {ms(baseline)} ms, p90 {ms(baseline, 0.9)} ms, max {max(baseline) * 1000:.1f} ms "
              f"({len(baseline)} writes)")
        print(f"  overlapping an acceptance: p50 {ms(overlapped)} ms, p90 {ms(overlapped, 0.9)} ms, "
              f"max {max(overlapped) * 1000 if overlapped else 0:.1f} ms ({len(overlapped)} writes)")
        if not overlapped:
            raise Failed("no write overlapped an acceptance: too few or too small children to measure")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except Failed as failure:
        print(f"transfer benchmark failed: {failure}", file=sys.stderr)
        sys.exit(1)
