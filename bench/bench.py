#!/usr/bin/env python3
"""The side-by-side benchmark of issue #5 (run it through bench/run.sh, which builds and installs
what this needs first).

One run: a private PostgreSQL cluster in a temporary folder, our schema created by our own
binary (`stable-futures migrate`), a synthetic dataset, our release server in production mode and
PostGraphile v5 on the same database behind the same row-level security, then four scenarios
driven by wrk (same script, same connection count, A/B alternated) and the database ceiling
measured with pgbench. Prints a table and writes it, with the raw numbers, under --out.

Standard library only. Runs as root (then initdb and postgres run as the `postgres` user) or as
an ordinary user.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
FIXTURES = ROOT / "tests" / "fixtures"
ISSUER = "stable-futures-bench"
AUDIENCE = "stable-futures"
SUBJECT = "bench-user"
SCOPES = "children:read referrals:read guardians:read outcomes:read outcomes:write reports:read"
CONNECTIONS = 16
THREADS = 2

SCALES = {
    "tiny": dict(authorities=2, children=200, referrals=400, assignments=200, measurements=1000,
                 seconds=2, rounds=1),
    "full": dict(authorities=20, children=10_000, referrals=20_000, assignments=10_000,
                 measurements=50_000, seconds=10, rounds=3),
}

# Scenario (a), our shape: exactly the query of bench/telemetry-overhead.sh.
OURS_PAGE = ("query Page { children(first: 50) { nodes { id localChildId dateOfBirth "
             "referrals(first: 5) { nodes { id status timeline { kind at } } } "
             "guardianAssignments { id status } "
             "outcomeMeasurements(first: 5) { nodes { id youngPersonRating outcome { key } } } } } }")
# The same data from PostGraphile: its generated names; `outcome { key }` is our framework
# lookup, the stored key is the same value; timeline and assignments ordered as ours (by id).
PEER_PAGE = ("query Page { allChildren(first: 50, orderBy: ROW_ID_ASC) { nodes { rowId localChildId dateOfBirth "
             "nrmReferralsByChildIdAndLocalAuthority(first: 5, orderBy: ROW_ID_ASC) { nodes { rowId status "
             "referralEventsByReferralIdAndLocalAuthority(orderBy: ROW_ID_ASC) { nodes { kind at } } } } "
             "guardianAssignmentsByChildIdAndLocalAuthority(orderBy: ROW_ID_ASC) { nodes { rowId status } } "
             "outcomeMeasurementsByChildIdAndLocalAuthority(first: 5, orderBy: ROW_ID_ASC) { nodes { rowId youngPersonRating outcomeKey } } } } }")

# Scenario (b): one child, deeper: every referral field a case system shows and the timeline,
# the assignments with their dates, five measurements.
OURS_CHILD = ("query Child($id: ID!) { child(id: $id) { id localChildId dateOfBirth ageDisputed "
              "nationalities languages interpreterRequired immigrationStatus careStatus version "
              "referrals(first: 10) { nodes { id status referredAt exploitationTypes countyLines "
              "competentAuthority reasonableGrounds { outcome decidedAt } conclusiveGrounds { outcome decidedAt } "
              "version timeline { kind at outcome } } } "
              "guardianAssignments { id service role status requestedAt assignedAt endedAt version } "
              "outcomeMeasurements(first: 10) { nodes { id observedAt youngPersonRating practitionerRating outcome { key } } } } }")
PEER_CHILD = ("query Child($id: UUID!) { childByRowId(rowId: $id) { rowId localChildId dateOfBirth ageDisputed "
              "nationalities languages interpreterRequired immigrationStatus careStatus version "
              "nrmReferralsByChildIdAndLocalAuthority(first: 10, orderBy: ROW_ID_ASC) { nodes { rowId status referredAt "
              "exploitationTypes countyLines competentAuthority rgOutcome rgDecidedAt cgOutcome cgDecidedAt "
              "version referralEventsByReferralIdAndLocalAuthority(orderBy: ROW_ID_ASC) { nodes { kind at outcome } } } } "
              "guardianAssignmentsByChildIdAndLocalAuthority(orderBy: ROW_ID_ASC) { nodes { rowId service role status "
              "requestedAt assignedAt endedAt version } } "
              "outcomeMeasurementsByChildIdAndLocalAuthority(first: 10, orderBy: ROW_ID_ASC) { nodes { rowId observedAt "
              "youngPersonRating practitionerRating outcomeKey } } } }")

# Before timing, every seeded child is read back through our server with nearly every field, so a
# seeded value the domain would refuse (an NHS number, a referral state) fails the run rather than
# flattering it.
DATASET_CHECK = ("query Check($after: String) { children(first: 20, after: $after) { pageInfo { hasNextPage endCursor } "
                 "nodes { id localChildId upn nhsNumber dateOfBirth dateOfBirthEstimated ageDisputed gender nationalities "
                 "languages interpreterRequired immigrationStatus careStatus version createdAt updatedAt "
                 "referrals(first: 10) { nodes { id status referredAt exploitationTypes countyLines exploitationLocation "
                 "competentAuthority firstResponder { organisationType organisationName } "
                 "reasonableGrounds { outcome decidedAt } conclusiveGrounds { outcome decidedAt } recoveryPeriodEndsOn "
                 "daysToReasonableGrounds reasonableGroundsWithinTarget daysReasonableToConclusiveGrounds "
                 "reconsiderationPending withdrawnAt version timeline { kind at outcome } } } "
                 "guardianAssignments { id service role status requestedAt assignedAt endedAt endReason version "
                 "daysToAssignment daysFromReferralToAssignment } "
                 "outcomeMeasurements(first: 10) { nodes { id observedAt recordedAt youngPersonParticipated "
                 "youngPersonRating practitionerRating indicatorsMet outcome { key title } } } } } }")

# Our server's settings a run may set from its own environment, for A/B runs of a lever.
PASSED_TO_OURS = ("SF_AUDIT_GATHER_MICROS", "SF_RATE_LIMIT_POINTS", "SF_RATE_LIMIT_RESTORE_PER_SECOND",
                  "SF_TRUSTED_DOCUMENTS")
# … and the allocator's own settings (mimalloc reads MIMALLOC_* at start).
PASSED_TO_OURS_PREFIXES = ("MIMALLOC_",)

# Scenario (e), ours only (PostGraphile has no worklist to compare): a team's worklist page of 50,
# each item with its child, referral and assignment, most overdue first, as GraphiQL's tab asks.
OURS_WORKLIST = ("query Worklist { worklist(first: 50) { nodes { id kind dueOn overdueByDays explanation "
                 "child { id localChildId } referral { id status } assignment { id status } } "
                 "pageInfo { hasNextPage endCursor } } }")

# Scenario (f), ours only (PostGraphile's default schema has no filter on related rows): the
# children with a referral still open, most recently changed first, with their referrals.
OURS_FILTERED = ("query Filtered { children(first: 50, filter: { hasOpenReferral: true, ageDisputed: false }, "
                 "orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { id localChildId dateOfBirth "
                 "referrals(first: 5) { nodes { id status referredAt } } } pageInfo { hasNextPage endCursor } } }")

# Scenarios (g) to (j), ours only: the reports of issue #14, each over a year with two grouping
# dimensions (under disclosure control, audited), for one authority, and the NRM timeliness report
# over all the dataset's authorities together by a token for reports across authorities.
REPORT_YEAR = '(from: "2023-01-01", to: "2023-12-31", groupBy: [%s])'
OURS_REPORT_NRM = ("query ReportNrm { reports { nrmTimeliness" + REPORT_YEAR % "AGE_BAND, EXPLOITATION_TYPE" +
                   " { rows { group referrals { display } decidedWithinTargetShare { display } "
                   "medianDaysToReasonableGrounds { display } waitingForConclusive { display } } } } }")
OURS_REPORT_GUARDIAN = ("query ReportGuardian { reports { guardianTimeliness" + REPORT_YEAR % "GUARDIAN_ROLE, AGE_BAND" +
                        " { rows { group requests { display } assignedWithinThresholdShare { display } "
                        "medianDaysRequestToAssignment { display } openRequests { display } } } } }")
OURS_REPORT_OUTCOMES = ("query ReportOutcomes { reports { outcomes" +
                        REPORT_YEAR % "REASONABLE_GROUNDS_OUTCOME, GUARDIAN_ASSIGNED" +
                        " { rows { group childrenMeasured { display } youngPersonParticipationShare { display } "
                        "outcomes { outcomeKey youngPerson { improvedShare { display } medianChange { display } } } } } } }")
OURS_REPORT_ALL = ("query ReportAll { reports { nrmTimeliness" + REPORT_YEAR % "LOCAL_AUTHORITY, AGE_BAND" +
                   " { rows { group referrals { display } decidedWithinTargetShare { display } "
                   "medianDaysToReasonableGrounds { display } } } } }")
OURS_REPORT_ALL_GUARDIAN = ("query ReportAllGuardian { reports { guardianTimeliness" +
                            REPORT_YEAR % "LOCAL_AUTHORITY, GUARDIAN_ROLE" +
                            " { rows { group requests { display } assignedWithinThresholdShare { display } "
                            "medianDaysRequestToAssignment { display } } } } }")
# Outcomes across all the authorities are not timed here: one report takes about 370 ms of the
# database's time (50,000 measurements), so 16 connections on 2 cores would wait past wrk's
# timeout. docs/reports.md quotes the single-request figure.
REPORTS = {"report-nrm": OURS_REPORT_NRM, "report-guardian": OURS_REPORT_GUARDIAN,
           "report-outcomes": OURS_REPORT_OUTCOMES, "report-all": OURS_REPORT_ALL,
           "report-all-guardian": OURS_REPORT_ALL_GUARDIAN}
ACROSS = ("report-all", "report-all-guardian")

# Scenario (o), ours only: the page at 10× the connections of the other runs, against production's
# admission control, from a noisy case system and a quiet one (client id, connections).
OVERLOAD_CLIENTS = (("bench-noisy", 150), ("bench-quiet", 10))

# Scenario (c): record a measurement. Ours validates against the framework, writes the row and an
# audit row in one transaction. The peer's generated create mutation takes every column from the
# client (the table has no defaults) and an AFTER INSERT trigger writes the audit row.
OURS_WRITE = ("mutation Measure($i: RecordOutcomeMeasurementInput!) { recordOutcomeMeasurement(input: $i) "
              "{ measurement { id } userErrors { code } } }")
PEER_WRITE = ("mutation Measure($i: CreateOutcomeMeasurementInput!) { createOutcomeMeasurement(input: $i) "
              "{ outcomeMeasurement { rowId } } }")

PEER_AUDIT_TRIGGER = """
CREATE SCHEMA bench_peer_support;
GRANT USAGE ON SCHEMA bench_peer_support TO stable_futures_app;
-- The peer's equivalent of our write's audit row (who, which child, what, when).
CREATE FUNCTION bench_peer_support.audit_measurement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.audit_events (local_authority, subject, client, child_id, action, operation,
                                     fields_class, trace_id, purpose)
    VALUES (NEW.local_authority, current_setting('jwt.claims.sub'), NULL, NEW.child_id, 'CREATE',
            'Measure', ARRAY['OUTCOMES'], NULL, NULL);
    RETURN NULL;
END
$$;
CREATE TRIGGER bench_peer_audit AFTER INSERT ON outcome_measurements
    FOR EACH ROW WHEN (current_user = 'bench_peer')
    EXECUTE FUNCTION bench_peer_support.audit_measurement();
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class BenchError(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def document_id(query: str) -> str:
    """A trusted document's id: the SHA-256 of its exact text."""
    return "sha256:" + hashlib.sha256(query.encode()).hexdigest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def global_id(kind: str, value: str) -> str:
    return b64url(f"{kind}:{value}".encode())


def uuid_of(global_or_uuid: str) -> str:
    """Our ids are base64url `Type:uuid`; PostGraphile's `id` here is the column itself."""
    try:
        return str(uuidlib.UUID(global_or_uuid))
    except ValueError:
        padded = global_or_uuid + "=" * (-len(global_or_uuid) % 4)
        return base64.urlsafe_b64decode(padded).decode().split(":", 1)[1]


def sign_token(key: Path, la: str | list[str], client: str = "bench-client") -> str:
    """A token for one authority, or (a list) for reports across several."""
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": "test-only-rsa"}
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": SUBJECT, "azp": client,
              "scope": SCOPES, "iat": now, "nbf": now - 5, "exp": now + 6 * 3600}
    if isinstance(la, list):
        claims.update({"la_set": la, "scope": "reports:aggregate"})
    else:
        claims["la"] = la
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key)],
                               input=signing_input.encode(), capture_output=True, check=True).stdout
    return f"{signing_input}.{b64url(signature)}"


def lua_long_string(text: str) -> str:
    level = 1
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def proc_status(pid: int) -> dict[str, int]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0])  # KiB
    except OSError:
        pass
    return values


def cpu_ticks(pids: list[int], with_children: bool = False) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[11..14] = utime stime cutime cstime (stat fields 14-17)
        total += int(fields[11]) + int(fields[12])
        if with_children:
            total += int(fields[13]) + int(fields[14])
    return total


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values[:8]) - idle, sum(values[:8])


def loadgen_ticks() -> float:
    """CPU ticks used by this process's finished children (wrk, pgbench)."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


@dataclass
class Result:
    scenario: str
    system: str
    rps: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    statements: float | None = None
    rss_kib: int | None = None
    hwm_kib: int | None = None
    server_cpu_ms: list[float] = field(default_factory=list)
    db_cpu_ms: list[float] = field(default_factory=list)
    note: str = ""

    def median(self, values: list[float]) -> float | None:
        return statistics.median(values) if values else None


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.scale = dict(SCALES[args.scale])
        if args.seconds:
            self.scale["seconds"] = args.seconds
        if args.rounds:
            self.scale["rounds"] = args.rounds
        self.out = Path(args.out).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        self.peer_dir = Path(args.peer_dir).resolve()
        self.work = Path(tempfile.mkdtemp(prefix="sf-bench-"))
        self.work.chmod(0o755)
        # A copy, so that a rebuild of target/release during the run changes nothing.
        self.binary = self.work / "stable-futures"
        shutil.copy2(Path(args.binary).resolve(), self.binary)
        self.as_postgres = os.geteuid() == 0
        self.procs: list[subprocess.Popen] = []
        self.cluster_started = False
        self.results: dict[tuple[str, str], Result] = {}
        self.facts: dict[str, object] = {}
        self.failures: list[str] = []
        self.overload_result: dict | None = None
        self.others: list[tuple[str, float]] = []
        self.round_no = 0
        self.passwords = {role: secrets.token_hex(16) for role in ("bench_owner", "bench_server", "bench_peer")}

    # ---------------------------------------------------------------- processes and cleanup

    def pg_command(self, *argv: str) -> list[str]:
        command = [str(self.pg_bin / argv[0]), *argv[1:]]
        return ["runuser", "-u", "postgres", "--", *command] if self.as_postgres else command

    def cleanup(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.time() + 10
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.cluster_started:
            subprocess.run(self.pg_command("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.cluster_started = False
        if self.args.keep:
            log(f"kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    # ---------------------------------------------------------------- cluster

    def find_pg_bin(self) -> Path:
        candidates = []
        try:
            candidates.append(Path(subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                                  text=True, check=True).stdout.strip()))
        except (OSError, subprocess.CalledProcessError):
            pass
        candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
        for candidate in candidates:
            if (candidate / "initdb").exists() and (candidate / "postgres").exists():
                return candidate
        raise BenchError("no PostgreSQL server binaries (initdb, postgres) found")

    def start_cluster(self) -> None:
        self.pg_bin = self.find_pg_bin()
        self.data = self.work / "pg"
        self.sock = self.work / "sock"
        self.pglog = self.work / "pglog"
        for folder in (self.data, self.sock, self.pglog):
            folder.mkdir()
            if self.as_postgres:
                shutil.chown(folder, "postgres", "postgres")
        self.data.chmod(0o700)
        self.port = free_port()
        subprocess.run(self.pg_command("initdb", "-D", str(self.data), "-U", "postgres", "-E", "UTF8",
                                       "--no-locale", "--auth-local=trust", "--auth-host=scram-sha-256"),
                       check=True, stdout=subprocess.DEVNULL)
        # Modest tuning for a 2-core, 24 GiB machine; durability as in production (fsync and
        # synchronous_commit stay on, so every write waits for its WAL flush).
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.sock}'",
            # PostGraphile's pool and pgbench both take CONNECTIONS, ours its pool and two more.
            "max_connections": str(max(100, 2 * CONNECTIONS + 40)),
            "shared_buffers": "'512MB'",
            "effective_cache_size": "'4GB'",
            "work_mem": "'8MB'",
            "maintenance_work_mem": "'256MB'",
            "max_wal_size": "'4GB'",
            "checkpoint_timeout": "'30min'",
            "random_page_cost": "1.1",
            "jit": "off",
            "fsync": "on",
            "synchronous_commit": "on",
            "logging_collector": "on",
            "log_destination": "'csvlog'",
            "log_directory": f"'{self.pglog}'",
            "log_filename": "'postgresql'",
            "log_rotation_age": "0",
            "log_rotation_size": "0",
        }
        self.facts["postgres_settings"] = {k: v.strip("'") for k, v in settings.items()
                                           if k not in ("port", "unix_socket_directories", "log_directory",
                                                        "log_filename", "listen_addresses")}
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("\n# bench/bench.py\n")
            for name, value in settings.items():
                conf.write(f"{name} = {value}\n")
        subprocess.run(self.pg_command("pg_ctl", "-D", str(self.data), "-w", "-t", "60",
                                       "-l", str(self.pglog / "startup.log"), "start"),
                       check=True, stdout=subprocess.DEVNULL)
        self.cluster_started = True
        self.postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        version = self.psql("SHOW server_version", db="postgres").strip()
        self.facts["postgres_version"] = version
        log(f"PostgreSQL {version} on 127.0.0.1:{self.port} ({self.work})")

    def psql(self, sql: str | None = None, db: str = "stable_futures", file: Path | None = None,
             variables: dict[str, str] | None = None) -> str:
        command = ["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", str(self.sock),
                   "-p", str(self.port), "-U", "postgres", "-d", db]
        for name, value in (variables or {}).items():
            command += ["-v", f"{name}={value}"]
        command += ["-f", str(file)] if file else ["-c", sql]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"psql failed: {done.stderr.strip()}")
        return done.stdout

    def url(self, role: str) -> str:
        return f"postgres://{role}:{self.passwords[role]}@127.0.0.1:{self.port}/stable_futures"

    def create_database(self) -> None:
        # The role layout of deploy/postgres/init.sql and docs/decisions/0001: an owner that runs
        # migrations, the NOLOGIN group role, and login roles that are members of it.
        p = self.passwords
        self.psql(f"""
            CREATE ROLE bench_owner LOGIN PASSWORD '{p['bench_owner']}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
            CREATE ROLE stable_futures_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
            CREATE ROLE stable_futures_aggregate NOLOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
            CREATE ROLE stable_futures_aggregate_switch NOLOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE
                NOBYPASSRLS IN ROLE stable_futures_aggregate;
            GRANT stable_futures_aggregate_switch TO stable_futures_app;
            CREATE ROLE stable_futures_transfer NOLOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
            GRANT stable_futures_transfer TO bench_owner;
            CREATE ROLE bench_server LOGIN PASSWORD '{p['bench_server']}' NOSUPERUSER NOBYPASSRLS IN ROLE stable_futures_app;
            CREATE ROLE bench_peer LOGIN PASSWORD '{p['bench_peer']}' NOSUPERUSER NOBYPASSRLS IN ROLE stable_futures_app;
        """, db="postgres")
        self.psql("CREATE DATABASE stable_futures OWNER bench_owner", db="postgres")
        self.psql("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        started = time.monotonic()
        self.run_binary(["migrate"], {"SF_MIGRATION_DATABASE_URL": self.url("bench_owner")})
        self.authorities = [f"E090000{n:02d}" for n in range(1, self.scale["authorities"] + 1)]
        for n, code in enumerate(self.authorities, 1):
            self.run_binary(["add-local-authority", code, f"Benchmark authority {n}"],
                            {"SF_MIGRATION_DATABASE_URL": self.url("bench_owner")})
        # The bench client's trusted documents: the page and the deep read, sent by id in the
        # "ours-id" runs (the same requests as "ours", without their text).
        manifest = self.work / "manifest.json"
        manifest.write_text(json.dumps({document_id(q): q for q in (OURS_PAGE, OURS_CHILD)}))
        self.run_binary(["documents", "add", "--client", "bench-client", str(manifest)],
                        {"SF_MIGRATION_DATABASE_URL": self.url("bench_owner")})
        log(f"migrated and registered {len(self.authorities)} local authorities "
            f"({time.monotonic() - started:.1f}s)")
        self.psql(PEER_AUDIT_TRIGGER)

    def run_binary(self, argv: list[str], env: dict[str, str]) -> str:
        done = subprocess.run([str(self.binary), *argv], env=self.clean_env(env), capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"stable-futures {argv[0]} failed: {done.stderr.strip()[-2000:]}")
        return done.stdout

    @staticmethod
    def clean_env(extra: dict[str, str]) -> dict[str, str]:
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TZ") if k in os.environ}
        env.update(extra)
        return env

    def seed(self) -> None:
        started = time.monotonic()
        out = self.psql(file=BENCH / "seed.sql", variables={
            "la_codes": ",".join(self.authorities),
            **{k: str(self.scale[k]) for k in ("children", "referrals", "assignments", "measurements")},
        })
        counts = out.strip().splitlines()[-1].split("|")
        names = ["local_authorities", "children", "referrals", "referral_events", "guardian_assignments",
                 "measurements"]
        self.facts["dataset"] = dict(zip(names, map(int, counts)))
        self.facts["seed_seconds"] = round(time.monotonic() - started, 1)
        log(f"seeded {self.facts['dataset']} in {self.facts['seed_seconds']}s (ANALYZE included)")
        self.page_authority = self.authorities[0]
        rows = self.psql(
            "SELECT id, local_authority FROM children ORDER BY (hashtext(id::text) & 1023), id LIMIT 200"
        ).split()
        self.sample_children = [tuple(row.split("|")) for row in rows]
        self.framework_version, keys = self.psql(
            "SELECT version, array_to_string(array(SELECT o ->> 'key' FROM jsonb_array_elements(definition -> 'principles') p, "
            "jsonb_array_elements(p -> 'outcomes') o), ',') FROM outcome_frameworks WHERE is_current"
        ).strip().split("|")
        self.outcome_keys = keys.split(",")

    # ---------------------------------------------------------------- servers

    def issuers_file(self) -> Path:
        """The bench's one issuer, trusted for any single authority and for reports across all."""
        path = self.work / "issuers.json"
        path.write_text(json.dumps({"issuers": [{
            "issuer": ISSUER, "jwksFile": str(FIXTURES / "test-only-jwks-rsa.json"),
            "aggregateLocalAuthorities": list(self.authorities)}]}))
        return path

    def start_ours(self, production_admission: bool = False, extra_env: dict[str, str] | None = None) -> None:
        self.ours_port = free_port()
        # One client (the bench's token) sends every request: it may take every turn, and there
        # are turns for every connection, so that a scaling run measures the server, not its
        # admission control (which tests/tests/black_box/load.rs covers). The overload run keeps
        # production's admission (SF_MAX_IN_FLIGHT, SF_QUEUE_WAIT_MS, SF_CLIENT_SHARE_PERCENT).
        admission = {} if production_admission else {
            "SF_CLIENT_SHARE_PERCENT": "100",
            "SF_MAX_IN_FLIGHT": str(max(64, CONNECTIONS)),
        }
        env = self.clean_env({
            "SF_MODE": "production",
            "DATABASE_URL": self.url("bench_server"),
            "SF_LISTEN": f"127.0.0.1:{self.ours_port}",
            "SF_TRUSTED_ISSUERS_FILE": str(self.issuers_file()),
            "SF_EXPOSE_STATEMENT_COUNT": "true",
            "SF_METRICS_LISTEN": "off",
            "RUST_LOG": "warn",
            **admission,
            # The bench's one client asks for far more than a client's bucket restores (a page
            # costs about 3,500 points): the bucket is kept and charged, so its cost is in every
            # number, but holds 10 s of a restore rate no run reaches (a bucket that restores
            # faster than it holds lasts microseconds: concurrent requests would empty it).
            "SF_RATE_LIMIT_POINTS": "1000000000",
            "SF_RATE_LIMIT_RESTORE_PER_SECOND": "100000000",
            # A/B runs of the server's tunables (docs/performance.md) pass through.
            **{k: v for k, v in os.environ.items()
               if k in PASSED_TO_OURS or k.startswith(PASSED_TO_OURS_PREFIXES)},
            # A layout of the database's nodes (bench/replicas.py: DATABASE_READ_URL).
            **(extra_env or {}),
        })
        logfile = open(self.work / "ours.log", "ab")
        started = time.monotonic()
        proc = subprocess.Popen([str(self.binary), "serve"], env=env, stdout=logfile, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        url = f"http://127.0.0.1:{self.ours_port}/health/ready"
        while True:
            if proc.poll() is not None:
                raise BenchError(f"our server exited: {(self.work / 'ours.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=1) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() - started > 30:
                raise BenchError("our server was not ready within 30 s")
            time.sleep(0.002)
        self.ours = proc
        self.ours_ready_ms = (time.monotonic() - started) * 1000
        self.ours_url = f"http://127.0.0.1:{self.ours_port}/graphql"

    def start_peer(self) -> None:
        self.peer_port = free_port()
        env = self.clean_env({
            "NODE_ENV": "production",
            "PEER_DATABASE_URL": self.url("bench_peer"),
            "PEER_PORT": str(self.peer_port),
            "PEER_JWT_ISSUER": ISSUER,
            "PEER_JWT_PUBLIC_KEY": str(FIXTURES / "test-only-rsa-public.pem"),
            "PEER_POOL_SIZE": str(CONNECTIONS),
        })
        node = self.peer_dir / "node_modules" / ".bin" / "node"
        logfile = open(self.work / "peer.log", "ab")
        started = time.monotonic()
        proc = subprocess.Popen([str(node), str(self.peer_dir / "server.mjs")], cwd=self.peer_dir, env=env,
                                stdout=logfile, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        self.peer_url = f"http://127.0.0.1:{self.peer_port}/graphql"
        token = self.tokens[self.page_authority]
        while True:
            if proc.poll() is not None:
                raise BenchError(f"PostGraphile exited: {(self.work / 'peer.log').read_text()[-3000:]}")
            try:
                answer = self.post(self.peer_url, token, "{ __typename }", timeout=2)
                if answer.get("data"):
                    break
            except (urllib.error.URLError, ConnectionError, OSError, ValueError):
                pass
            if time.monotonic() - started > 60:
                raise BenchError("PostGraphile was not ready within 60 s")
            time.sleep(0.01)
        self.peer = proc
        self.peer_ready_ms = (time.monotonic() - started) * 1000

    def stop(self, proc: subprocess.Popen) -> None:
        proc.terminate()
        try:
            proc.wait(timeout=25)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self.procs.remove(proc)

    @staticmethod
    def post(url: str, token: str, query: str, variables: dict | None = None, timeout: float = 30,
             with_headers: bool = False):
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(url, body, {"content-type": "application/json",
                                                     "authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                data = json.load(answer)
                headers = dict(answer.headers)
        except urllib.error.HTTPError as error:
            raise BenchError(f"{url}: HTTP {error.code}: {error.read()[:500]!r}") from None
        return (data, headers) if with_headers else data

    # ---------------------------------------------------------------- scenarios

    def measurement_inputs(self, n: int, la: str, child: str) -> tuple[dict, dict]:
        key = self.outcome_keys[n % len(self.outcome_keys)]
        observed = "2026-01-15T10:00:00Z"
        ours = {"childId": global_id("Child", child), "outcomeKey": key, "observedAt": observed,
                "youngPersonParticipated": True, "youngPersonRating": 1 + n % 5, "practitionerRating": 3}
        peer = {"outcomeMeasurement": {
            "rowId": "@UUID@", "localAuthority": la, "childId": child, "frameworkVersion": self.framework_version,
            "outcomeKey": key, "observedAt": observed, "recordedBy": SUBJECT, "recordedAt": "2026-01-15T10:05:00Z",
            "youngPersonParticipated": True, "youngPersonRating": 1 + n % 5, "practitionerRating": 3,
            "indicatorsMet": []}}
        return ours, peer

    def requests(self, scenario: str, system: str) -> list[tuple[str, str]]:
        """(token, body) pairs that one connection cycles through."""
        ours = system.startswith("ours")
        by_id = system == "ours-id"

        def body(query: str, variables: dict | None = None) -> str:
            sent = {"documentId": document_id(query)} if by_id else {"query": query}
            return json.dumps({**sent, "variables": variables or {}}, separators=(",", ":"))

        page = [(self.tokens[self.page_authority], body(OURS_PAGE if ours else PEER_PAGE))]
        if scenario == "page":
            return page
        if scenario == "worklist":
            return [(self.tokens[self.page_authority], body(OURS_WORKLIST))]
        if scenario == "filtered":
            return [(self.tokens[self.page_authority], body(OURS_FILTERED))]
        if scenario in ACROSS:
            return [(self.aggregate_token, body(REPORTS[scenario]))]
        if scenario in REPORTS:
            return [(self.tokens[self.page_authority], body(REPORTS[scenario]))]
        if scenario == "child":
            return [(self.tokens[la], body(OURS_CHILD, {"id": global_id("Child", child)}) if ours
                     else body(PEER_CHILD, {"id": child})) for child, la in self.sample_children]
        writes = []
        for n, (child, la) in enumerate(self.sample_children):
            mine, theirs = self.measurement_inputs(n, la, child)
            writes.append((self.tokens[la], body(OURS_WRITE, {"i": mine}) if ours
                           else body(PEER_WRITE, {"i": theirs})))
        if scenario == "write":
            return writes
        if scenario == "mix":  # 9 page reads, then 1 write, over and over
            return [item for w in writes[:20] for item in (page * 9 + [w])]
        raise ValueError(scenario)

    def check_text(self, scenario: str, system: str) -> str | None:
        if system == "ours" and scenario == "write":
            return '"userErrors":[]'
        if scenario == "write":
            return '"outcomeMeasurement":{"rowId":'
        return None

    def check_dataset(self) -> None:
        def read_back(la: str) -> int:
            after, children = None, 0
            while True:
                answer = self.post(self.ours_url, self.tokens[la], DATASET_CHECK, {"after": after})
                if answer.get("errors"):
                    raise BenchError(f"reading the dataset back ({la}): {json.dumps(answer['errors'])[:800]}")
                page = answer["data"]["children"]
                children += len(page["nodes"])
                if not page["pageInfo"]["hasNextPage"]:
                    return children
                after = page["pageInfo"]["endCursor"]

        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=4) as pool:
            children = sum(pool.map(read_back, self.authorities))
        if children != self.facts["dataset"]["children"]:
            raise BenchError(f"read back {children} children of {self.facts['dataset']['children']}")
        log(f"every seeded child read back through our server without an error ({children})")

    def compare_answers(self) -> None:
        """Before timing: both systems must answer the page and the deep read with the same
        children, referrals, events, assignments and measurements (by id and value)."""
        token = self.tokens[self.page_authority]
        ours, headers = self.post(self.ours_url, token, OURS_PAGE, with_headers=True)
        theirs = self.post(self.peer_url, token, PEER_PAGE)
        for name, answer in (("ours", ours), ("PostGraphile", theirs)):
            if answer.get("errors"):
                raise BenchError(f"{name} answered the page read with errors: {json.dumps(answer['errors'])[:800]}")
        ours_page = [self.normalise_child(c, True) for c in ours["data"]["children"]["nodes"]]
        peer_page = [self.normalise_child(c, False) for c in theirs["data"]["allChildren"]["nodes"]]
        if len(ours_page) != 50:
            raise BenchError(f"the page has {len(ours_page)} children, not 50")
        if ours_page != peer_page:
            diff = next(i for i, (a, b) in enumerate(zip(ours_page, peer_page)) if a != b) if \
                len(ours_page) == len(peer_page) else "length"
            raise BenchError(f"the page answers differ (first difference at child {diff})")
        self.facts["page_bytes"] = {"ours": len(json.dumps(ours, separators=(",", ":"))),
                                    "peer": len(json.dumps(theirs, separators=(",", ":")))}
        self.facts["page_counts"] = {
            "children": len(ours_page),
            "referrals": sum(len(c["referrals"]) for c in ours_page),
            "events": sum(len(r["timeline"]) for c in ours_page for r in c["referrals"]),
            "assignments": sum(len(c["assignments"]) for c in ours_page),
            "measurements": sum(len(c["measurements"]) for c in ours_page),
        }
        for child, la in self.sample_children[:20]:
            a = self.post(self.ours_url, self.tokens[la], OURS_CHILD, {"id": global_id("Child", child)})
            b = self.post(self.peer_url, self.tokens[la], PEER_CHILD, {"id": child})
            if a.get("errors") or b.get("errors"):
                raise BenchError(f"deep read errors: {a.get('errors') or b.get('errors')}")
            if self.normalise_child(a["data"]["child"], True) != self.normalise_child(b["data"]["childByRowId"], False):
                raise BenchError(f"the deep read of child {child} differs")
        log(f"answers agree: page {self.facts['page_counts']}, "
            f"{self.facts['page_bytes']['ours']} bytes (ours) / {self.facts['page_bytes']['peer']} (PostGraphile); "
            f"20 deep reads")

    @staticmethod
    def normalise_child(c: dict, ours: bool) -> dict:
        def nodes(value):
            return value["nodes"] if isinstance(value, dict) else (value or [])

        if ours:
            referrals, assignments, measurements = c["referrals"], c["guardianAssignments"], c["outcomeMeasurements"]
        else:
            referrals = c["nrmReferralsByChildIdAndLocalAuthority"]
            assignments = c["guardianAssignmentsByChildIdAndLocalAuthority"]
            measurements = c["outcomeMeasurementsByChildIdAndLocalAuthority"]

        def stamp(value):
            return None if value is None else time.strftime(
                "%Y-%m-%dT%H:%M:%S", time.gmtime(_parse_time(value)))

        def referral(r):
            events = r["timeline"] if ours else nodes(r["referralEventsByReferralIdAndLocalAuthority"])
            out = {"id": uuid_of(r["id" if ours else "rowId"]), "status": r["status"],
                   "timeline": [(e["kind"], stamp(e["at"]), e.get("outcome")) for e in events]}
            if "version" in r:
                out["version"] = r["version"]
                rg = r["reasonableGrounds"] if ours else (
                    {"outcome": r["rgOutcome"], "decidedAt": r["rgDecidedAt"]} if r["rgOutcome"] else None)
                out["rg"] = rg and (rg["outcome"], stamp(rg["decidedAt"]))
                out["types"] = sorted(r["exploitationTypes"])
            return out

        def measurement(m):
            key = m["outcome"]["key"] if ours else m["outcomeKey"]
            return (uuid_of(m["id" if ours else "rowId"]), m["youngPersonRating"], key)

        return {
            "id": uuid_of(c["id" if ours else "rowId"]), "localChildId": c["localChildId"], "dateOfBirth": c["dateOfBirth"],
            "referrals": [referral(r) for r in nodes(referrals)],
            "assignments": [(uuid_of(a["id" if ours else "rowId"]), a["status"]) for a in nodes(assignments)],
            "measurements": [measurement(m) for m in nodes(measurements)],
        }

    # ---------------------------------------------------------------- the exact SQL

    def log_offset(self) -> int:
        path = self.pglog / "postgresql.csv"
        return path.stat().st_size if path.exists() else 0

    def logged_statements(self, offset: int, user: str) -> list[tuple[str, list[str | None]]]:
        """The statements `user` ran since `offset` in the CSV log, with their parameters."""
        time.sleep(0.3)  # the logging collector writes asynchronously
        with open(self.pglog / "postgresql.csv", newline="") as f:
            f.seek(offset)
            rows = list(csv.reader(f))
        statements = []
        for row in rows:
            if len(row) < 15 or row[1] != user or row[11] != "LOG":
                continue
            message, detail = row[13], row[14]
            match = re.match(r"(?:statement|execute [^:]*): (.*)", message, re.S)
            if not match:
                continue
            params: list[str | None] = []
            if detail.startswith("parameters: "):
                for m in re.finditer(r"\$(\d+) = (NULL|'((?:[^']|'')*)')", detail):
                    params.append(None if m.group(2) == "NULL" else m.group(3).replace("''", "'"))
            statements.append((match.group(1), params))
        return statements

    def capture(self) -> None:
        """With log_statement=all for both login roles: one request of each scenario per system,
        to count statements and keep the exact SQL for pgbench. Servers started after this are
        started afresh without logging."""
        self.captured: dict[tuple[str, str], list] = {}
        # Is the count constant in the page size? The same page query for 10 children.
        small_page = OURS_PAGE.replace("children(first: 50)", "children(first: 10)")
        for _ in range(2):
            offset = self.log_offset()
            answer = self.post(self.ours_url, self.tokens[self.page_authority], small_page)
            if answer.get("errors") or len(answer["data"]["children"]["nodes"]) != 10:
                raise BenchError(f"page of 10: {json.dumps(answer)[:800]}")
            self.facts.setdefault("statements_logged", {})["ours/page-first-10"] = len(
                self.logged_statements(offset, "bench_server"))
        for system, url in (("ours", self.ours_url), ("peer", self.peer_url)):
            user = "bench_server" if system == "ours" else "bench_peer"
            for scenario in ("page", "child", "write", "worklist", "filtered", *REPORTS):
                if scenario in ("worklist", "filtered", *REPORTS) and system != "ours":
                    continue
                token, body = self.requests(scenario, system)[0]
                payload = json.loads(body.replace("@UUID@", str(uuidlib.uuid4())))
                # Twice: the first request of a fresh pool may prepare statements or open
                # connections; the second is what every later request does.
                for attempt in range(2):
                    offset = self.log_offset()
                    answer, headers = self.post(url, token, payload["query"], payload["variables"],
                                                with_headers=True)
                    if answer.get("errors"):
                        raise BenchError(f"{system} {scenario}: {json.dumps(answer['errors'])[:800]}")
                    if scenario == "worklist" and len(answer["data"]["worklist"]["nodes"]) != 50:
                        raise BenchError(f"worklist: not a full page: {json.dumps(answer)[:800]}")
                    if scenario == "filtered" and len(answer["data"]["children"]["nodes"]) != 50:
                        raise BenchError(f"filtered: not a full page: {json.dumps(answer)[:800]}")
                    if scenario in REPORTS:
                        report = next(iter(answer["data"]["reports"].values()))
                        shown = [c for row in report["rows"] for c in json.dumps(row).split('"display":')[1:]
                                 if not c.startswith('"c"') and not c.startswith('"z"')]
                        if len(report["rows"]) < 4 or not shown:
                            raise BenchError(f"{scenario}: a trivial report: {json.dumps(answer)[:800]}")
                    statements = self.logged_statements(offset, user)
                    if attempt == 0 and scenario == "write":
                        payload = json.loads(body.replace("@UUID@", str(uuidlib.uuid4())))
                self.captured[(system, scenario)] = statements
                header = {k.lower(): v for k, v in headers.items()}.get("x-sql-statements")
                self.facts.setdefault("statements_logged", {})[f"{system}/{scenario}"] = len(statements)
                if header is not None:
                    self.facts.setdefault("statements_header", {})[f"{system}/{scenario}"] = int(header)
                if scenario == "write":
                    data = answer["data"]
                    created = (data["recordOutcomeMeasurement"]["measurement"]["id"] if system == "ours"
                               else data["createOutcomeMeasurement"]["outcomeMeasurement"]["rowId"])
                    self.facts.setdefault("written_ids", {})[system] = uuid_of(created)
        for (system, scenario), statements in self.captured.items():
            path = self.out / f"captured-{system}-{scenario}.sql"
            with open(path, "w") as f:
                for n, (text, params) in enumerate(statements, 1):
                    f.write(f"-- {n}: parameters {params}\n{text.strip()};\n")
        log("statements per request (logged by PostgreSQL): " + ", ".join(
            f"{k} {v}" for k, v in self.facts["statements_logged"].items()))

    # ---------------------------------------------------------------- pgbench scripts

    def replay_script(self, name: str, statements: list, new_id: str | None = None,
                      rotate: dict[str, str] | None = None,
                      prelude: list[str] | None = None) -> tuple[Path, dict]:
        def hide_colons(m):
            # pgbench takes `:name` for a variable even inside a string literal (PostGraphile's
            # to_char formats have `HH24:MI:SS`): spell such a literal as a concatenation.
            literal = m.group(0)
            if not re.search(r":[A-Za-z0-9_]", literal):
                return literal
            return "(" + " || ':' || ".join(f"'{part}'" for part in literal[1:-1].split(":")) + ")"

        """A pgbench script running `statements` in order on one connection, each parameter a
        pgbench variable (bound as a parameter with -M prepared); NULL parameters are written
        inline (pgbench variables cannot be NULL), and the id of the row a write created becomes
        gen_random_uuid() so every transaction inserts a new row. Parameters equal to a key of
        `rotate` become the variable it names (set per transaction by `prelude`)."""
        lines, variables = list(prelude or []), {}
        for n, (text, params) in enumerate(statements, 1):
            def substitute(m):
                index = int(m.group(1))
                value = params[index - 1] if index <= len(params) else None
                if value is None:
                    return "NULL"
                if new_id is not None and value == new_id:
                    return "gen_random_uuid()"
                if rotate and value in rotate:
                    return f":{rotate[value]}"
                var = f"s{n}p{index}"
                variables[var] = value
                return f":{var}"
            sql = re.sub(r"\$(\d+)(?!\d)", substitute, text.strip().rstrip(";"))
            sql = re.sub(r"'(?:[^']|'')*'", hide_colons, sql)
            lines.append(sql + ";")
        path = self.work / f"{name}.sql"
        path.write_text("\n".join(lines) + "\n")
        return path, variables

    def write_replay_script(self) -> tuple[Path, dict]:
        """Our write's statements, each transaction for one of the 200 children (and its
        authority) the HTTP load cycles through, picked at random by a lookup before BEGIN: one
        authority's writes take their feed positions one at a time (decision 0009), so replaying
        a single child's write 16 times at once would measure that authority's queue, not the
        statements."""
        captured_child, captured_la = self.sample_children[0]
        rows = ",".join(f"({n}, '{la}', '{child}')"
                        for n, (child, la) in enumerate(self.sample_children, 1))
        self.psql(
            "CREATE SCHEMA IF NOT EXISTS bench_support; "
            "DROP TABLE IF EXISTS bench_support.write_targets; "
            "CREATE TABLE bench_support.write_targets "
            "(n int PRIMARY KEY, la text NOT NULL, child uuid NOT NULL); "
            f"INSERT INTO bench_support.write_targets VALUES {rows}; "
            "GRANT USAGE ON SCHEMA bench_support TO bench_server; "
            "GRANT SELECT ON bench_support.write_targets TO bench_server;")
        prelude = [f"\\set n random(1, {len(self.sample_children)})",
                   "SELECT la AS wla, child AS wchild FROM bench_support.write_targets "
                   "WHERE n = :n \\gset"]
        return self.replay_script("write-ours-sql", self.captured[("ours", "write")],
                                  new_id=self.facts["written_ids"]["ours"],
                                  rotate={captured_la: "wla", captured_child: "wchild"},
                                  prelude=prelude)

    def ceiling_scripts(self) -> dict[str, tuple[Path, dict]]:
        scripts = {
            "page/ours-sql": self.replay_script("page-ours-sql", self.captured[("ours", "page")]),
            "page/peer-sql": self.replay_script("page-peer-sql", self.captured[("peer", "page")]),
            "write/ours-sql": self.write_replay_script(),
        }
        single = (BENCH / "ceiling-page.sql").read_text()
        with_audit = (BENCH / "ceiling-page-audited.sql").read_text()
        for name, text in (("page/one-statement", single), ("page/one-statement+audit", with_audit)):
            path = self.work / (name.replace("/", "-") + ".sql")
            path.write_text(text)
            scripts[name] = (path, {"la": self.page_authority})
        return scripts

    def pgbench(self, script: Path, variables: dict, seconds: int) -> dict:
        prefix = self.work / "pgbench-log"
        for old in self.work.glob("pgbench-log*"):
            old.unlink()
        command = ["pgbench", "-n", "-M", "prepared", "-c", str(CONNECTIONS), "-j", str(THREADS),
                   "-T", str(seconds), "-f", str(script), "-l", f"--log-prefix={prefix}",
                   "-h", "127.0.0.1", "-p", str(self.port), "-U", "bench_server", "stable_futures"]
        for name, value in variables.items():
            command += ["-D", f"{name}={value}"]
        env = dict(os.environ, PGPASSWORD=self.passwords["bench_server"])
        before = (0, cpu_ticks(self.db_pids()) + cpu_ticks([self.postmaster], with_children=True),
                  loadgen_ticks(), *machine_ticks())
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        after = (0, cpu_ticks(self.db_pids()) + cpu_ticks([self.postmaster], with_children=True),
                 loadgen_ticks(), *machine_ticks())
        if seconds > 1:
            self.note_others(before, after, script.stem)
        if done.returncode != 0 or "aborted" in done.stdout + done.stderr:
            raise BenchError(f"pgbench {script.name} failed: {done.stderr.strip()[-1500:]}")
        tps = float(re.search(r"tps = ([0-9.]+) \(without initial", done.stdout).group(1))
        failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
        if failed and int(failed.group(1)) > 0:
            raise BenchError(f"pgbench {script.name}: {failed.group(1)} failed transactions")
        latencies = []
        for path in self.work.glob("pgbench-log*"):
            for line in path.read_text().splitlines():
                parts = line.split()
                if len(parts) >= 3:
                    latencies.append(int(parts[2]))
        latencies.sort()
        pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] / 1000 if latencies else 0.0
        return {"rps": tps, "p50_ms": pick(0.50), "p99_ms": pick(0.99)}

    # ---------------------------------------------------------------- load

    def db_pids(self) -> list[int]:
        return children_of(self.postmaster)

    def wrk(self, scenario: str, system: str, seconds: int, warmup: bool = True) -> dict:
        url = self.ours_url if system.startswith("ours") else self.peer_url
        proc = self.ours if system.startswith("ours") else self.peer
        spec = self.work / f"requests-{scenario}-{system}.lua"
        if not spec.exists():
            items = self.requests(scenario, system)
            check = self.check_text(scenario, system)
            spec.write_text(
                "return { path = '/graphql', check = " + (lua_long_string(check) if check else "nil") +
                ", requests = {\n" + ",\n".join(
                    f"  {{ token = '{token}', body = {lua_long_string(body)} }}" for token, body in items) +
                "\n} }\n")
        command = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "--latency", "-s", str(BENCH / "wrk.lua")]
        if warmup:
            subprocess.run(command + ["-d", "1s", url, "--", str(spec)], capture_output=True, check=True)
        samples: list[int] = []
        stop = threading.Event()

        def sample_rss():
            while not stop.is_set():
                samples.append(proc_status(proc.pid).get("VmRSS", 0))
                stop.wait(0.1)

        sampler = threading.Thread(target=sample_rss, daemon=True)
        db = self.db_pids()
        cpu_before = (cpu_ticks([proc.pid]), cpu_ticks(db) + cpu_ticks([self.postmaster], with_children=True),
                      loadgen_ticks(), *machine_ticks())
        sampler.start()
        done = subprocess.run(command + ["-d", f"{seconds}s", url, "--", str(spec)], capture_output=True, text=True)
        stop.set()
        sampler.join()
        db_after = self.db_pids()
        cpu_after = (cpu_ticks([proc.pid]), cpu_ticks(db_after) + cpu_ticks([self.postmaster], with_children=True),
                     loadgen_ticks(), *machine_ticks())
        self.note_others(cpu_before, cpu_after, f"{scenario}/{system}")
        line = next((l for l in done.stdout.splitlines() if l.startswith("BENCHJSON ")), None)
        if done.returncode != 0 or line is None:
            raise BenchError(f"wrk failed for {scenario}/{system}: {done.stderr.strip()[-800:]} {done.stdout[-800:]}")
        stats = json.loads(line[len("BENCHJSON "):])
        socket_errors = sum(stats[k] for k in ("connect_errors", "read_errors", "write_errors"))
        if stats["bad"] or stats["status_errors"] or socket_errors or stats["timeouts"]:
            self.failures.append(f"{scenario}/{system}: {stats['bad']} bad answers ({stats['status_errors']} "
                                 f"not HTTP 2xx), {stats['timeouts']} requests unanswered after 2 s, "
                                 f"{socket_errors} socket errors; first bad answer: {stats['sample'][:300]}")
        requests = max(stats["requests"], 1)
        ticks = os.sysconf("SC_CLK_TCK")
        return {
            "rps": stats["requests"] / (stats["duration_us"] / 1e6),
            "p50_ms": stats["p50_us"] / 1000, "p99_ms": stats["p99_us"] / 1000,
            "statements": stats["statements"] / stats["counted"] if stats["counted"] else None,
            "rss_kib": max(samples) if samples else None,
            "hwm_kib": proc_status(proc.pid).get("VmHWM"),
            "server_cpu_ms": (cpu_after[0] - cpu_before[0]) / ticks * 1000 / requests,
            "db_cpu_ms": (cpu_after[1] - cpu_before[1]) / ticks * 1000 / requests,
        }

    def note_others(self, before: tuple, after: tuple, label: str) -> None:
        """How much of the machine's CPU went to processes outside the benchmark during a run
        (another build, another test suite): the numbers of a busy machine are not comparable."""
        ours = sum(after[i] - before[i] for i in range(3))
        busy, total = after[3] - before[3], after[4] - before[4]
        share = max(0.0, (busy - ours) / total * 100) if total else 0.0
        self.others.append((f"round {self.round_no} {label}", share))

    def record(self, scenario: str, system: str, run: dict) -> None:
        result = self.results.setdefault((scenario, system), Result(scenario, system))
        result.rps.append(run["rps"])
        result.p50_ms.append(run["p50_ms"])
        result.p99_ms.append(run["p99_ms"])
        for key in ("server_cpu_ms", "db_cpu_ms"):
            if run.get(key) is not None:
                getattr(result, key).append(run[key])
        if run.get("rss_kib"):
            result.rss_kib = max(result.rss_kib or 0, run["rss_kib"])
        if run.get("hwm_kib"):
            result.hwm_kib = max(result.hwm_kib or 0, run["hwm_kib"])
        if run.get("statements") is not None:
            result.statements = run["statements"]

    # ---------------------------------------------------------------- the run

    def overload(self, seconds: int) -> dict:
        """Scenario (o): the page at 10× the connections of the other runs, from two clients of
        one authority (a noisy case system with most connections, a quiet one with a few), against
        production's admission control. Each connection sends its next request when the last is
        answered and honours `Retry-After` when refused, as the integration guide asks. Every answer
        is an accepted page, or a refusal (503 SERVICE_UNAVAILABLE, 429 RATE_LIMITED) with
        `Retry-After`; anything else fails the run."""
        key = FIXTURES / "test-only-rsa-private.pem"
        la = next(iter(self.authorities))
        body = json.dumps({"query": OURS_PAGE}).encode()
        warm_end = time.monotonic() + 1
        end = warm_end + seconds
        lock = threading.Lock()
        stats = {client: {"connections": n, "accepted": [], "refused": {}, "slowest_refusal_ms": 0.0}
                 for client, n in OVERLOAD_CLIENTS}

        def worker(client: str, token: str) -> None:
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            conn = http.client.HTTPConnection("127.0.0.1", self.ours_port, timeout=60)
            while time.monotonic() < end:
                sent = time.monotonic()
                try:
                    conn.request("POST", "/graphql", body, headers)
                    answer = conn.getresponse()
                    data = answer.read()
                except (OSError, http.client.HTTPException) as error:
                    with lock:
                        self.failures.append(f"overload {client}: {type(error).__name__}: {error}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.ours_port, timeout=60)
                    continue
                took_ms = (time.monotonic() - sent) * 1000
                retry_after = answer.getheader("Retry-After")
                refused = {503: b'"SERVICE_UNAVAILABLE"', 429: b'"RATE_LIMITED"'}.get(answer.status)
                if answer.status == 200 and b'"errors"' not in data and b'"children"' in data:
                    if sent >= warm_end:
                        with lock:
                            stats[client]["accepted"].append(took_ms)
                elif refused and refused in data and retry_after and retry_after.isdigit():
                    if sent >= warm_end:
                        with lock:
                            refusals = stats[client]["refused"]
                            refusals[answer.status] = refusals.get(answer.status, 0) + 1
                            stats[client]["slowest_refusal_ms"] = max(stats[client]["slowest_refusal_ms"], took_ms)
                    time.sleep(int(retry_after))
                else:
                    with lock:
                        self.failures.append(f"overload {client}: HTTP {answer.status} {data[:300]!r}")
            conn.close()

        threads = []
        for client, connections in OVERLOAD_CLIENTS:
            token = sign_token(key, la, client=client)
            threads += [threading.Thread(target=worker, args=(client, token), daemon=True)
                        for _ in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        summary = {}
        for client, data in stats.items():
            accepted = sorted(data["accepted"])
            pick = lambda q: accepted[min(len(accepted) - 1, int(q * len(accepted)))] if accepted else None
            summary[client] = {
                "connections": data["connections"], "accepted_per_s": len(accepted) / seconds,
                "p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": accepted[-1] if accepted else None,
                "refused": data["refused"], "slowest_refusal_ms": data["slowest_refusal_ms"],
            }
        return summary

    def run(self) -> int:
        seconds, rounds = self.scale["seconds"], self.scale["rounds"]
        started = time.monotonic()
        self.start_cluster()
        self.create_database()
        self.seed()
        key = FIXTURES / "test-only-rsa-private.pem"
        self.tokens = {la: sign_token(key, la) for la in self.authorities}
        self.aggregate_token = sign_token(key, list(self.authorities))

        # Capture: both login roles log every statement; fresh servers so every connection
        # has the setting from its first statement.
        self.psql("ALTER ROLE bench_server SET log_statement = 'all'; ALTER ROLE bench_peer SET log_statement = 'all'")
        self.start_ours()
        self.start_peer()
        if self.args.hold:
            (self.work / "tokens.json").write_text(json.dumps(self.tokens))
            log(f"holding: ours {self.ours_url}, PostGraphile {self.peer_url}, tokens in {self.work}/tokens.json, "
                f"psql -h {self.sock} -p {self.port} -U postgres stable_futures; interrupt to stop")
            while True:
                time.sleep(3600)
        self.check_dataset()
        self.compare_answers()
        self.capture()
        self.stop(self.ours)
        self.stop(self.peer)
        self.psql("ALTER ROLE bench_server RESET log_statement; ALTER ROLE bench_peer RESET log_statement")

        # Timing: fresh processes. Time to ready is measured here, on the migrated database.
        ready = []
        for _ in range(3 if self.args.scale == "full" else 1):
            self.start_ours()
            ready.append(self.ours_ready_ms)
            self.stop(self.ours)
        self.start_ours()
        ready.append(self.ours_ready_ms)
        self.facts["ours_ready_ms"] = ready
        self.start_peer()
        self.facts["peer_ready_ms"] = self.peer_ready_ms
        log(f"ready: ours {', '.join(f'{r:.0f}' for r in ready)} ms; PostGraphile {self.peer_ready_ms:.0f} ms "
            f"(first answered query)")
        self.facts["ours_pid_rss_idle_kib"] = proc_status(self.ours.pid).get("VmRSS")
        self.facts["peer_pid_rss_idle_kib"] = proc_status(self.peer.pid).get("VmRSS")

        scripts = self.ceiling_scripts()
        # Each ceiling script once, briefly, before timing: a script that errors fails the run.
        for name, (path, variables) in scripts.items():
            self.pgbench(path, variables, 1)

        plan = [("page", ["ours", "peer", "ours-id"], ["page/ours-sql", "page/peer-sql", "page/one-statement",
                                                        "page/one-statement+audit"]),
                ("child", ["ours", "peer", "ours-id"], []),
                ("write", ["ours", "peer"], ["write/ours-sql"]),
                ("mix", ["ours", "peer"], []),
                ("worklist", ["ours"], []),
                ("filtered", ["ours"], []),
                *((report, ["ours"], []) for report in REPORTS)]
        overload = True
        if self.args.scenarios:
            chosen = set(self.args.scenarios.split(","))
            overload = "overload" in chosen
            chosen.discard("overload")
            unknown = chosen - {scenario for scenario, _, _ in plan}
            if unknown:
                raise BenchError(f"unknown scenarios: {', '.join(sorted(unknown))}")
            plan = [step for step in plan if step[0] in chosen]
        for round_no in range(1, rounds + 1):
            self.round_no = round_no
            for scenario, systems, ceilings in plan:
                order = systems if round_no % 2 else list(reversed(systems))
                for system in order:
                    run = self.wrk(scenario, system, seconds)
                    self.record(scenario, system, run)
                    log(f"round {round_no} {scenario:5} {system:4}: {run['rps']:8.1f} req/s  p50 {run['p50_ms']:6.2f} ms  "
                        f"p99 {run['p99_ms']:6.2f} ms  RSS {run['rss_kib'] or 0:,} KiB")
                for name in (ceilings if round_no % 2 else list(reversed(ceilings))):
                    path, variables = scripts[name]
                    run = self.pgbench(path, variables, seconds)
                    self.record(scenario, name.split("/", 1)[1], run)
                    log(f"round {round_no} {scenario:5} pgbench {name.split('/', 1)[1]}: {run['rps']:8.1f} tps  "
                        f"p50 {run['p50_ms']:6.2f} ms  p99 {run['p99_ms']:6.2f} ms")
        if overload:
            self.stop(self.ours)
            self.start_ours(production_admission=True)
            self.overload_result = self.overload(seconds)
            self.facts["overload"] = self.overload_result
            for client, r in self.overload_result.items():
                log(f"overload {client} ({r['connections']} connections): {r['accepted_per_s']:.1f} accepted/s  "
                    f"p50 {r['p50_ms'] or 0:.1f} ms  p99 {r['p99_ms'] or 0:.1f} ms  refused {r['refused']}  "
                    f"slowest refusal {r['slowest_refusal_ms']:.0f} ms")
        self.facts["total_seconds"] = round(time.monotonic() - started)
        self.report()
        if self.failures:
            for failure in self.failures:
                print(f"FAILED: {failure}", file=sys.stderr)
            return 1
        return 0

    # ---------------------------------------------------------------- the table

    def report(self) -> None:
        logged = self.facts["statements_logged"]
        statements_of = {
            ("page", "ours"): logged["ours/page"], ("page", "peer"): logged["peer/page"],
            ("child", "ours"): logged["ours/child"], ("child", "peer"): logged["peer/child"],
            ("write", "ours"): logged["ours/write"], ("write", "peer"): logged["peer/write"],
            ("mix", "ours"): (9 * logged["ours/page"] + logged["ours/write"]) / 10,
            ("mix", "peer"): (9 * logged["peer/page"] + logged["peer/write"]) / 10,
            ("page", "ours-sql"): logged["ours/page"], ("page", "peer-sql"): logged["peer/page"],
            ("page", "one-statement"): 4, ("page", "one-statement+audit"): 4,
            ("write", "ours-sql"): logged["ours/write"],
            ("worklist", "ours"): logged["ours/worklist"],
            ("filtered", "ours"): logged["ours/filtered"],
            **{(report, "ours"): logged[f"ours/{report}"] for report in REPORTS},
        }
        names = {"ours": "Stable Futures (release)", "peer": "PostGraphile 5.1.5 (Node 22)",
                 "ours-id": "Stable Futures, by trusted document id",
                 "ours-sql": "pgbench: our SQL replayed", "peer-sql": "pgbench: PostGraphile's SQL replayed",
                 "one-statement": "pgbench: one statement (ceiling)",
                 "one-statement+audit": "pgbench: one statement + audit insert (ceiling)"}
        titles = {"page": "(a) page of 50, nested", "child": "(b) one child, deep",
                  "write": "(c) record a measurement", "mix": "(d) 90% (a) + 10% (c)",
                  "worklist": "(e) worklist page of 50 (ours only)",
                  "filtered": "(f) filtered, ordered page of 50 children (ours only)",
                  "report-nrm": "(g) NRM timeliness, one authority's year by 2 dimensions",
                  "report-guardian": "(h) guardian timeliness, one authority's year by 2 dimensions",
                  "report-outcomes": "(i) outcomes, one authority's year by 2 dimensions",
                  "report-all": "(j) NRM timeliness across all authorities by authority and age band",
                  "report-all-guardian": "(k) guardian timeliness across all authorities by authority and role"}

        def rps(scenario: str, system: str) -> float | None:
            r = self.results.get((scenario, system))
            return r.median(r.rps) if r else None

        # The ceiling of (a): the faster single statement read-only (ours or PostGraphile's,
        # replayed), and the single statement with the audit insert our server must also do.
        read_only = max(x for x in (rps("page", "one-statement"), rps("page", "peer-sql")) if x)
        audited = rps("page", "one-statement+audit")
        rows = []
        for scenario in ("page", "child", "write", "mix", "worklist", "filtered", *REPORTS):
            for system in ("ours", "ours-id", "peer", "ours-sql", "peer-sql", "one-statement", "one-statement+audit"):
                r = self.results.get((scenario, system))
                if r is None:
                    continue
                value = r.median(r.rps)
                peer = rps(scenario, "peer")
                vs_peer = f"{value / peer:.2f}×" if peer and system.startswith("ours") else ""
                vs_ceiling = ""
                if system == "ours" and scenario == "page":
                    vs_ceiling = f"{value / read_only:.2f}× / {value / audited:.2f}×"
                elif system == "ours" and scenario == "write":
                    vs_ceiling = f"{value / rps('write', 'ours-sql'):.2f}×"
                stmts = statements_of.get((scenario, system))
                stmts_text = "" if stmts is None else f"{stmts:g}"
                if system == "ours" and r.statements is not None:
                    stmts_text += f" ({r.statements:.3g})"
                rows.append([
                    titles[scenario], names[system], f"{value:,.0f}", f"{r.median(r.p50_ms):.1f}",
                    f"{r.median(r.p99_ms):.1f}", stmts_text,
                    f"{(r.rss_kib or 0) / 1024:.0f} / {(r.hwm_kib or 0) / 1024:.0f}" if r.rss_kib else "",
                    f"{r.median(r.server_cpu_ms):.2f} / {r.median(r.db_cpu_ms):.2f}" if r.server_cpu_ms else "",
                    vs_peer, vs_ceiling,
                ])
        headers = ["scenario", "system", "req/s", "p50 ms", "p99 ms", "SQL stmts/req", "RSS MiB (max / peak)",
                   "CPU ms/req (server / PostgreSQL)", "vs PostGraphile", "vs ceiling"]
        markdown = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        markdown += ["| " + " | ".join(row) + " |" for row in rows]
        widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
        text = [" ".join(str(x).ljust(w) for x, w in zip(headers, widths))]
        text += [" ".join(str(x).ljust(w) for x, w in zip(row, widths)) for row in rows]

        f = self.facts
        ours_page = self.results[("page", "ours")]
        ours_rss = max(r.hwm_kib or 0 for (_, system), r in self.results.items() if system == "ours") / 1024
        ready = max(f["ours_ready_ms"])
        met = lambda ok: "**met**" if ok else "**not met**"

        def ratio(scenario: str) -> float | None:
            ours, peer = rps(scenario, "ours"), rps(scenario, "peer")
            return ours / peer if ours and peer else None

        def versus_peer(title: str, scenario: str, target: float, aim: str = "") -> str:
            value = ratio(scenario)
            if value is None:
                return f"{title} ≥ {target:g}× PostGraphile: not run."
            return f"{title} ≥ {target:g}× PostGraphile{aim}: {value:.2f}× — {met(value >= target)}."

        def own_statements(scenario: str) -> str:
            r = self.results.get((scenario, "ours"))
            return "not run" if r is None or r.statements is None else f"{r.statements:.3g}"

        page_own = self.results[("page", "ours")].statements
        child_result = self.results.get(("child", "ours"))
        child_own = child_result.statements if child_result else None
        constant = logged["ours/page"] == logged["ours/page-first-10"]
        page_cpu = ours_page.median(ours_page.server_cpu_ms) if ours_page.server_cpu_ms else None
        page_p99 = ours_page.median(ours_page.p99_ms)
        targets = [
            versus_peer("(a) Nested page read", "page", 2, " (aim 3×)"),
            versus_peer("(d) 90/10 mix", "mix", 2),
            versus_peer("(b) Deep read of one child", "child", 1.5),
            versus_peer("(c) Write", "write", 1.5),
            f"(a) ≥ 0.75× the single statement that also writes the audit rows: "
            f"{rps('page', 'ours') / audited:.2f}× — {met(rps('page', 'ours') / audited >= 0.75)}; "
            f"≥ 0.5× the read-only single statement: {rps('page', 'ours') / read_only:.2f}× — "
            f"{met(rps('page', 'ours') / read_only >= 0.5)}.",
            f"Statements per page and per deep read ≤ 4 on the database's side, constant in the page size: the "
            f"request's own transaction {own_statements('page')} (page) and {own_statements('child')} (deep read) "
            f"under load — {met(page_own is not None and page_own <= 4 and (child_own is None or child_own <= 4))}; "
            f"constant: {logged['ours/page-first-10']} logged for 10 children, {logged['ours/page']} for 50, with "
            f"the audit flush a request has to itself when alone (under load, flushes are shared) — {met(constant)}.",
            f"Server CPU per page ≤ 2.5 ms: "
            + (f"{page_cpu:.2f} ms — {met(page_cpu <= 2.5)}." if page_cpu is not None else "not measured."),
            f"Page p99 ≤ 50 ms at {CONNECTIONS} connections: {page_p99:.1f} ms — {met(page_p99 <= 50)}.",
            f"Server resident memory ≤ 64 MiB under load: peak {ours_rss:.0f} MiB — {met(ours_rss <= 64)}.",
            f"Time from process start to ready ≤ 1 s on a migrated database: {ready:.0f} ms (slowest of "
            f"{len(f['ours_ready_ms'])}) — {met(ready <= 1000)}.",
        ]
        if self.overload_result:
            # An admitted request waited at most the queue wait (1 s) for its turn, then shared the
            # replica with at most 64 others: served in about 64 ÷ the page rate.
            bound = 1000 + 64 / rps("page", "ours") * 1000
            parts = []
            for client, r in self.overload_result.items():
                refused = ", ".join(f"{n:,} × {status}" for status, n in sorted(r["refused"].items())) or "none"
                parts.append(f"{client} ({r['connections']} connections): {r['accepted_per_s']:.0f} accepted/s, "
                             f"p50 {r['p50_ms'] or 0:.0f} ms, p99 {r['p99_ms'] or 0:.0f} ms, refused {refused} "
                             f"(slowest refusal {r['slowest_refusal_ms']:.0f} ms)")
            worst = max((r["p99_ms"] or 0) for r in self.overload_result.values())
            overload_failures = [x for x in self.failures if x.startswith("overload")]
            quiet = self.overload_result.get("bench-quiet", {})
            targets.append(
                f"(o) 10× overload, the page at {sum(n for _, n in OVERLOAD_CLIENTS)} connections against "
                f"production's admission (64 turns, 1 s wait, 75% per client): " + "; ".join(parts) + ". "
                f"No request failed for another reason — {met(not overload_failures)}; p99 of accepted requests "
                f"≤ {bound:,.0f} ms (the wait plus 64 turns at the page's rate) — {met(worst <= bound)}; the quiet "
                f"client never refused — {met(not quiet.get('refused'))}.")
        by_id = []
        for scenario in ("page", "child"):
            text_run, id_run = self.results.get((scenario, "ours")), self.results.get((scenario, "ours-id"))
            if text_run and id_run and text_run.server_cpu_ms and id_run.server_cpu_ms:
                by_id.append(
                    f"{titles[scenario]}: {rps(scenario, 'ours-id') / rps(scenario, 'ours'):.2f}× the requests per "
                    f"second by text, server CPU {id_run.median(id_run.server_cpu_ms):.3f} ms by id against "
                    f"{text_run.median(text_run.server_cpu_ms):.3f} ms by text")
        if by_id:
            targets.append("(#16) A request by trusted document id against the same request by text: "
                           + "; ".join(by_id) + ".")
        others = [o for _, o in self.others]
        disturbed = [(label, share) for label, share in self.others if share > 10]
        # A number is a median over rounds: one disturbed round barely moves it, a majority does.
        by_run: dict[str, list[float]] = {}
        for label, share in self.others:
            by_run.setdefault(label.split(" ", 2)[2], []).append(share)
        unreliable = sorted(run for run, shares in by_run.items() if statistics.median(shares) > 10)
        notes = [
            f"Scale {self.args.scale}: {f['dataset']}; {self.scale['rounds']} round(s) of {self.scale['seconds']} s per "
            f"system and scenario, A/B order flipped each round, medians shown; wrk -t{THREADS} -c{CONNECTIONS}, "
            f"pgbench -c{CONNECTIONS} -j{THREADS} -M prepared; everything on the same {os.cpu_count()} cores.",
            f"Page answer: {f['page_counts']}; {f['page_bytes']['ours']:,} bytes of JSON from ours, "
            f"{f['page_bytes']['peer']:,} from PostGraphile.",
            f"Time from process start to ready on the migrated database: ours "
            f"{' / '.join(f'{r:.0f}' for r in f['ours_ready_ms'])} ms (/health/ready), PostGraphile "
            f"{f['peer_ready_ms']:.0f} ms (first answered query).",
            "SQL stmts/req: every statement PostgreSQL logged for one request (BEGIN, COMMIT and our pool's "
            "connection checks included); in brackets what our x-sql-statements header counted under load.",
            "vs ceiling, (a): against the faster read-only single statement / against the single statement that "
            "also inserts the audit rows our server writes on every read; (c): against our write's own statements "
            "replayed by pgbench.",
            f"Idle RSS after start: ours {(f.get('ours_pid_rss_idle_kib') or 0) / 1024:.1f} MiB, "
            f"PostGraphile {(f.get('peer_pid_rss_idle_kib') or 0) / 1024:.1f} MiB.",
            f"PostgreSQL {f['postgres_version']}: " + ", ".join(f"{k}={v}" for k, v in f["postgres_settings"].items()
                                                                 if not k.startswith("log")) + ".",
            f"CPU taken by processes outside the benchmark during the timed runs (share of all cores): median "
            f"{statistics.median(others):.0f}%; {len(disturbed)} of {len(others)} runs above 10%"
            + (f" ({', '.join(f'{label} {share:.0f}%' for label, share in disturbed)})" if disturbed else "")
            + (f" — NOT COMPARABLE, most rounds disturbed: {', '.join(unreliable)}." if unreliable else
               "; no number's median rests on a disturbed majority of rounds."),
            f"Binary: {self.args.binary} ({self.args.binary_label}). Run took {f['total_seconds']} s.",
        ]
        f["others_cpu_percent"] = self.others
        print()
        print("\n".join(text))
        print()
        for line in targets + notes:
            print(f"- {line}")
        (self.out / "results.md").write_text(
            f"# Benchmark results ({self.args.scale} scale, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n\n"
            + "\n".join(markdown) + "\n\nTargets (issue #15):\n\n" + "\n".join(f"- {t}" for t in targets)
            + "\n\nNotes:\n\n" + "\n".join(f"- {n}" for n in notes) + "\n")
        (self.out / "results.json").write_text(json.dumps({
            "scale": self.args.scale, "facts": f,
            "results": [{"scenario": r.scenario, "system": r.system, "rps": r.rps, "p50_ms": r.p50_ms,
                         "p99_ms": r.p99_ms, "statements_header": r.statements, "rss_kib": r.rss_kib,
                         "hwm_kib": r.hwm_kib, "server_cpu_ms": r.server_cpu_ms, "db_cpu_ms": r.db_cpu_ms}
                        for r in self.results.values()],
            "failures": self.failures}, indent=2, default=str))
        log(f"wrote {self.out / 'results.md'} and results.json")


def _parse_time(value: str) -> float:
    """Seconds since the epoch of an RFC 3339 time (ours end in Z or +00:00, PostGraphile's in
    +00:00), to compare instants rather than spellings."""
    from datetime import datetime
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def main() -> int:
    global CONNECTIONS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--seconds", type=int, help="seconds per timed run (default: 10 full, 2 tiny)")
    parser.add_argument("--rounds", type=int, help="A/B rounds (default: 3 full, 1 tiny)")
    parser.add_argument("--scenarios", help="only these timed scenarios, comma-separated (page,child,write,mix,"
                                            "worklist,filtered and the reports): for A/B runs of one lever")
    parser.add_argument("--connections", type=int, default=CONNECTIONS,
                        help=f"concurrent connections of wrk and pgbench, and PostGraphile's pool "
                             f"(default {CONNECTIONS}): for scaling runs")
    parser.add_argument("--binary", required=True)
    parser.add_argument("--binary-label", default="")
    parser.add_argument("--peer-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (cluster, logs)")
    parser.add_argument("--hold", action="store_true", help="debugging: stop after starting both servers, until interrupted")
    args = parser.parse_args()
    CONNECTIONS = args.connections
    bench = Bench(args)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    try:
        return bench.run()
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        bench.cleanup()


if __name__ == "__main__":
    sys.exit(main())
