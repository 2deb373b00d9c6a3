#!/usr/bin/env python3
"""Reads from standbys (issue #19), measured: run it through bench/replicas.sh.

One run: a private primary and two streaming standbys (pg_basebackup, asynchronous replication)
on loopback ports, our schema and the synthetic dataset of bench/bench.py on the primary, then
our release server in three layouts of the database, A/B alternated round by round:

  primary              DATABASE_URL only: every query on the primary
  primary+2 standbys   DATABASE_READ_URL names all three nodes, load_balance_hosts=random:
                       queries spread over them (writes, audit rows and notifications stay on the
                       primary)
  2 standbys           DATABASE_READ_URL names the two standbys only

In each layout: (1) the page read of bench/bench.py (50 children, nested) from wrk at 16
connections, with the standbys' replay lag sampled from the primary's pg_stat_replication during
the run; (2) read-your-writes: one client records a measurement, then reads it back by id, with
the write's consistency token (X-Consistency-Token) on every other read and without it on the
others, first on an idle server and then under the page load. Prints a table and writes it, with
the raw numbers, under --out.

Asserts no timing; fails if any request fails, or a read that sent its token did not show the
write. Standard library only (it imports bench/bench.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench as b  # noqa: E402

LAYOUTS = ("primary", "primary+2 standbys", "2 standbys")
READ_BACK = "query ReadBack($id: ID!) { outcomeMeasurement(id: $id) { id } }"
REPLAY_SAMPLE_SECONDS = 0.2


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Replicas(b.Bench):
    def __init__(self, args: argparse.Namespace):
        super().__init__(args)
        self.standbys: list[dict] = []
        self.page: dict[str, list[dict]] = {layout: [] for layout in LAYOUTS}
        self.read_backs: dict[tuple[str, str], list[dict]] = {}
        self.connections_seen: dict[str, list[int]] = {}

    # ---------------------------------------------------------------- the standbys

    def start_standby(self, n: int) -> None:
        data, logs = self.work / f"standby{n}", self.work / f"standby{n}-log"
        for folder in (data, logs):
            folder.mkdir()
            if self.as_postgres:
                b.shutil.chown(folder, "postgres", "postgres")
        data.chmod(0o700)
        port = b.free_port()
        # -R writes primary_conninfo and standby.signal; -X stream copies the WAL written meanwhile.
        subprocess.run(self.pg_command("pg_basebackup", "-D", str(data), "-h", str(self.sock), "-p", str(self.port),
                                       "-U", "postgres", "-R", "-X", "stream", "-c", "fast"),
                       check=True, stdout=subprocess.DEVNULL)
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"\n# bench/replicas.py: standby {n}\nport = {port}\nlog_directory = '{logs}'\n"
                       "hot_standby = on\n")
        subprocess.run(self.pg_command("pg_ctl", "-D", str(data), "-w", "-t", "60", "-l", str(logs / "startup.log"),
                                       "start"), check=True, stdout=subprocess.DEVNULL)
        postmaster = int((data / "postmaster.pid").read_text().split()[0])
        self.standbys.append({"data": data, "port": port, "postmaster": postmaster})
        b.log(f"standby {n} on 127.0.0.1:{port}")

    def psql_at(self, port: int, sql: str) -> str:
        done = subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", str(self.sock), "-p", str(port),
                               "-U", "postgres", "-d", "stable_futures", "-c", sql], capture_output=True, text=True)
        if done.returncode != 0:
            raise b.BenchError(f"psql on port {port} failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def wait_for_replay(self) -> None:
        target = self.psql("SELECT pg_current_wal_lsn()").strip()
        deadline = time.monotonic() + 120
        for standby in self.standbys:
            while self.psql_at(standby["port"], f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") != "t":
                if time.monotonic() > deadline:
                    raise b.BenchError("the standbys did not replay the seeded data within 120 s")
                time.sleep(0.1)

    def cleanup(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for standby in self.standbys:
            subprocess.run(self.pg_command("pg_ctl", "-D", str(standby["data"]), "-m", "immediate", "-w", "stop"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.standbys = []
        super().cleanup()

    def db_pids(self) -> list[int]:
        # Every node's backends count as the database's CPU.
        return [pid for postmaster in [self.postmaster, *(s["postmaster"] for s in self.standbys)]
                for pid in b.children_of(postmaster)]

    def read_url(self, layout: str) -> str | None:
        ports = {"primary": [],
                 "primary+2 standbys": [self.port, *(s["port"] for s in self.standbys)],
                 "2 standbys": [s["port"] for s in self.standbys]}[layout]
        if not ports:
            return None
        hosts = ",".join(f"127.0.0.1:{port}" for port in ports)
        return (f"postgres://bench_server:{self.passwords['bench_server']}@{hosts}/stable_futures"
                "?load_balance_hosts=random")

    def start_layout(self, layout: str) -> None:
        url = self.read_url(layout)
        self.start_ours(extra_env={"DATABASE_READ_URL": url} if url else {})

    # ---------------------------------------------------------------- measurements

    def replay_lag_sampler(self) -> tuple[threading.Event, list[float], threading.Thread]:
        stop, samples = threading.Event(), []

        def sample():
            while not stop.is_set():
                out = self.psql("SELECT coalesce(max(extract(epoch FROM replay_lag)), 0) FROM pg_stat_replication")
                samples.append(float(out.strip() or 0) * 1000)
                stop.wait(REPLAY_SAMPLE_SECONDS)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        return stop, samples, thread

    def connections_per_node(self) -> list[int]:
        sql = "SELECT count(*) FROM pg_stat_activity WHERE usename = 'bench_server'"
        return [int(self.psql_at(port, sql)) for port in [self.port, *(s["port"] for s in self.standbys)]]

    def page_run(self, layout: str, seconds: int) -> None:
        stop, lag, sampler = self.replay_lag_sampler()
        run = self.wrk("page", "ours", seconds)
        stop.set()
        sampler.join()
        run["replay_lag_ms"] = {"median": statistics.median(lag) if lag else None, "max": max(lag, default=None),
                                "samples": len(lag)}
        self.connections_seen[layout] = self.connections_per_node()
        self.page[layout].append(run)
        b.log(f"round {self.round_no} page {layout:18}: {run['rps']:8.1f} req/s  p50 {run['p50_ms']:6.2f} ms  "
              f"p99 {run['p99_ms']:6.2f} ms  replay lag max {run['replay_lag_ms']['max'] or 0:.1f} ms  "
              f"server connections per node {self.connections_seen[layout]}")

    def call(self, conn: http.client.HTTPConnection, token: str, query: str, variables: dict,
             consistency: str | None = None) -> tuple[dict, dict[str, str], float]:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        if consistency:
            headers["X-Consistency-Token"] = consistency
        body = json.dumps({"query": query, "variables": variables})
        started = time.perf_counter()
        conn.request("POST", "/graphql", body=body, headers=headers)
        answer = conn.getresponse()
        payload = answer.read()
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status != 200:
            raise b.BenchError(f"HTTP {answer.status}: {payload[:300]!r}")
        document = json.loads(payload)
        if document.get("errors"):
            raise b.BenchError(f"GraphQL errors: {json.dumps(document['errors'])[:300]}")
        return document, {k.lower(): v for k, v in answer.getheaders()}, elapsed

    def read_back_run(self, layout: str, condition: str, count: int) -> None:
        """Write, then read the write back by id: with its token on even turns, without on odd."""
        conn = http.client.HTTPConnection("127.0.0.1", self.ours_port, timeout=30)
        rows = self.read_backs.setdefault((layout, condition), [])
        offset = 100_000 * (1 + len(rows))
        try:
            for turn in range(count):
                child, la = self.sample_children[turn % len(self.sample_children)]
                inputs, _ = self.measurement_inputs(offset + turn, la, child)
                token = self.tokens[la]
                written, headers, write_ms = self.call(conn, token, b.OURS_WRITE, {"i": inputs})
                result = written["data"]["recordOutcomeMeasurement"]
                if result["userErrors"]:
                    raise b.BenchError(f"write refused: {result['userErrors']}")
                consistency = headers.get("x-consistency-token")
                if not consistency:
                    raise b.BenchError("a write's answer carried no X-Consistency-Token")
                with_token = turn % 2 == 0
                read, _, read_ms = self.call(conn, token, READ_BACK, {"id": result["measurement"]["id"]},
                                             consistency if with_token else None)
                seen = read["data"]["outcomeMeasurement"] is not None
                if with_token and not seen:
                    self.failures.append(f"{layout} {condition}: a read with its write's consistency token did not "
                                         "show the write")
                rows.append({"with_token": with_token, "read_ms": read_ms, "write_ms": write_ms, "seen": seen})
        finally:
            conn.close()

    def read_back_under_load(self, layout: str, count: int, seconds: int) -> None:
        failure: list[BaseException] = []

        def load():
            try:
                self.wrk("page", "ours", seconds, warmup=False)
            except BaseException as error:  # noqa: BLE001 (reported below)
                failure.append(error)

        thread = threading.Thread(target=load, daemon=True)
        thread.start()
        time.sleep(0.5)
        deadline = time.monotonic() + seconds - 1
        while time.monotonic() < deadline and thread.is_alive():
            self.read_back_run(layout, "under load", 10)
        thread.join()
        if failure:
            raise failure[0]

    # ---------------------------------------------------------------- the run

    def run(self) -> int:
        seconds, rounds = self.scale["seconds"], self.scale["rounds"]
        reads = 40 if self.args.scale == "tiny" else 400
        started = time.monotonic()
        self.start_cluster()
        self.create_database()
        self.seed()
        key = b.FIXTURES / "test-only-rsa-private.pem"
        self.tokens = {la: b.sign_token(key, la) for la in self.authorities}
        for n in (1, 2):
            self.start_standby(n)
        self.wait_for_replay()
        self.facts["nodes"] = {"primary": self.port, "standbys": [s["port"] for s in self.standbys]}
        for round_no in range(1, rounds + 1):
            self.round_no = round_no
            for layout in (LAYOUTS if round_no % 2 else tuple(reversed(LAYOUTS))):
                self.start_layout(layout)
                self.page_run(layout, seconds)
                self.read_back_run(layout, "idle", reads)
                self.read_back_under_load(layout, reads, seconds)
                self.stop(self.ours)
        self.facts["total_seconds"] = round(time.monotonic() - started)
        self.report()
        if self.failures:
            for failure in self.failures:
                print(f"FAILED: {failure}", file=sys.stderr)
            return 1
        return 0

    def report(self) -> None:
        def ms(value: float | None) -> str:
            return "—" if value is None else f"{value:.2f}"

        lines = [
            "# Reads from standbys (bench/replicas.py)", "",
            f"Scale {self.args.scale}: {self.facts.get('dataset')}; {self.scale['rounds']} round(s) of "
            f"{self.scale['seconds']} s per layout; PostgreSQL {self.facts.get('postgres_version')}, one primary "
            f"and two asynchronous streaming standbys on this machine; binary {self.args.binary_label or '?'}.", "",
            "## The page read at 16 connections", "",
            "| layout | req/s (median) | p50 ms | p99 ms | server CPU ms/req | database CPU ms/req (all nodes) "
            "| replay lag, max ms | server connections per node (primary, standbys) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        summary: dict[str, dict] = {}
        for layout in LAYOUTS:
            runs = self.page[layout]
            if not runs:
                continue
            med = {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50_ms", "p99_ms", "server_cpu_ms",
                                                                      "db_cpu_ms")}
            lag_max = max((r["replay_lag_ms"]["max"] or 0 for r in runs), default=0)
            summary[layout] = {**med, "replay_lag_max_ms": lag_max, "rounds": [
                {k: r[k] for k in ("rps", "p50_ms", "p99_ms", "replay_lag_ms")} for r in runs]}
            lines.append(f"| {layout} | {med['rps']:.1f} | {med['p50_ms']:.2f} | {med['p99_ms']:.2f} | "
                         f"{med['server_cpu_ms']:.2f} | {med['db_cpu_ms']:.2f} | {lag_max:.1f} | "
                         f"{self.connections_seen.get(layout)} |")
        base = summary.get("primary", {}).get("rps")
        if base:
            ratios = ", ".join(f"{layout} {summary[layout]['rps'] / base:.2f}×" for layout in LAYOUTS[1:]
                               if layout in summary)
            lines += ["", f"Against the primary alone: {ratios}."]
        lines += [
            "", "## Reading your own write back", "",
            "One client: record a measurement, then read it back by id at once, sending the write's "
            "consistency token on every other read.", "",
            "| layout | condition | reads | with token: p50 / p99 ms | without: p50 / p99 ms | added by the token "
            "(p50) ms | reads without token that missed the write |",
            "|---|---|---|---|---|---|---|",
        ]
        read_back: dict[str, dict] = {}
        for (layout, condition), rows in self.read_backs.items():
            with_token = [r["read_ms"] for r in rows if r["with_token"]]
            without = [r["read_ms"] for r in rows if not r["with_token"]]
            missed = sum(1 for r in rows if not r["with_token"] and not r["seen"])
            p50w, p50o = percentile(with_token, 0.5), percentile(without, 0.5)
            added = p50w - p50o if p50w is not None and p50o is not None else None
            read_back[f"{layout} / {condition}"] = {
                "reads": len(rows), "with_token_p50_ms": p50w, "with_token_p99_ms": percentile(with_token, 0.99),
                "without_p50_ms": p50o, "without_p99_ms": percentile(without, 0.99), "added_p50_ms": added,
                "missed_without_token": missed, "without_token": len(without)}
            lines.append(f"| {layout} | {condition} | {len(rows)} | {ms(p50w)} / {ms(percentile(with_token, 0.99))} | "
                         f"{ms(p50o)} / {ms(percentile(without, 0.99))} | {ms(added)} | {missed} of {len(without)} |")
        lines += ["", "What a two-core machine can and cannot show: docs/performance.md, \"Reads from standbys\"."]
        busy = [share for _, share in self.others if share > 5]
        if busy:
            lines += ["", f"Other processes took more than 5% of the machine in {len(busy)} run(s): "
                          "these numbers are not comparable."]
        text = "\n".join(lines) + "\n"
        print("\n" + text)
        (self.out / "results.md").write_text(text)
        (self.out / "results.json").write_text(json.dumps(
            {"facts": self.facts, "page": summary, "read_back": read_back, "failures": self.failures},
            indent=2, default=str))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(b.SCALES), default="full")
    parser.add_argument("--seconds", type=int, help="seconds per timed run (default: 10 full, 2 tiny)")
    parser.add_argument("--rounds", type=int, help="rounds, the layouts' order flipped each round")
    parser.add_argument("--binary", required=True)
    parser.add_argument("--binary-label", default="")
    parser.add_argument("--out", required=True)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (nodes, logs)")
    args = parser.parse_args()
    args.peer_dir = "."  # no peer here: PostGraphile has no replica routing to compare
    replicas = Replicas(args)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    try:
        return replicas.run()
    except b.BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        replicas.cleanup()


if __name__ == "__main__":
    sys.exit(main())
