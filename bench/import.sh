#!/usr/bin/env bash
# How fast `stable-futures import` onboards an extract: a synthetic SSD-shaped extract of N
# ssd_person rows (default 10,000; with linked identifiers, immigration statuses and assessment
# factors; about nine in ten in scope) imported into a throwaway private database three times —
# the first run creates, the second finds everything unchanged, the third after a tenth of the
# rows changed updates — printing each run's rows per second as the binary measures it (reading,
# checking and writing; not the private database's start).
#
#   bench/import.sh [ROWS]
#
# The release build by default (built if missing); SF_BINARY=target/debug/stable-futures for the
# debug build. No real data: every id is SYNTH…, every NHS number in the 999 test range.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-10000}"
bin="${SF_BINARY:-target/release/stable-futures}"
if [ ! -x "$bin" ]; then
  case "$bin" in
    *release*) cargo build --release -p stable-futures-api ;;
    *) cargo build -p stable-futures-api ;;
  esac
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/sf-bench-import.XXXXXX")"
data="$work/data"
cleanup() {
  # The private database stops with the command; only its files remain to remove.
  rm -rf "$work"
}
trap cleanup EXIT
# The embedded cluster is run as the postgres user when we are root: it must reach the folder.
chmod 755 "$work"

generate() {
  python3 - "$work/extract" "$rows" "$1" <<'PY'
import csv, os, random, sys
out, rows, changed = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "changed"
os.makedirs(out, exist_ok=True)
random.seed(20261205)
LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
def nhs(serial):
    body = "999%06d" % serial
    total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1)))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return None if check == 10 else body + str(check)
def upn(serial):
    digits = "206%09d" % serial
    total = sum(int(d) * w for d, w in zip(digits, range(2, 14)))
    return LETTERS[total % 23] + digits
nations = ["ALB", "VNM", "ERI", "SDN", "AFG", "GBR", "IRN", "SYR"]
with open(f"{out}/ssd_person.csv", "w", newline="") as p, \
     open(f"{out}/ssd_linked_identifiers.csv", "w", newline="") as l, \
     open(f"{out}/ssd_immigration_status.csv", "w", newline="") as i, \
     open(f"{out}/ssd_assessment_factors.csv", "w", newline="") as f:
    person, linked, immigration, factors = (csv.writer(x) for x in (p, l, i, f))
    person.writerow(["pers_person_id", "pers_sex", "pers_gender", "pers_dob", "pers_expected_dob",
                     "pers_common_child_id", "pers_upn_unknown", "pers_nationality"])
    linked.writerow(["link_table_id", "link_person_id", "link_identifier_type",
                     "link_identifier_value", "link_valid_from_date", "link_valid_to_date"])
    immigration.writerow(["immi_immigration_status_id", "immi_person_id", "immi_immigration_status",
                          "immi_immigration_status_start_date", "immi_immigration_status_end_date"])
    factors.writerow(["cinf_table_id", "cinf_assessment_id", "cinf_person_id",
                      "cinf_assessment_factors_json"])
    for n in range(rows):
        pid = "SYNTH%07d" % n
        nationality = nations[n % len(nations)]
        if changed and n % 10 == 0:
            nationality = nationality + ";GBR"
        number = nhs(n) if n % 3 else None
        person.writerow([pid, "FM"[n % 2], "0%d" % (1 + n % 2), "%d-%02d-15" % (2008 + n % 9, 1 + n % 12),
                         "", number or "", "" if n % 2 else "UN2", nationality])
        if n % 2:
            linked.writerow(["L%d" % n, pid, "Unique Pupil Number", upn(n), "2020-09-01", ""])
        if n % 3 == 0:
            immigration.writerow(["I%d" % n, pid, "Unaccompanied Asylum Seeking Child", "2024-01-01", ""])
        elif n % 10 != 1:
            factors.writerow(["F%d" % n, "A%d" % n, pid, '["%s", "3A"]' % ("12A" if n % 2 else "24A")])
PY
}

run() {
  local label="$1"
  local output
  output="$("$bin" import --la E09000019 --data-dir "$data" "$work"/extract/*.csv 2>"$work/stderr")" || {
    cat "$work/stderr" >&2
    echo "import failed" >&2
    exit 1
  }
  local seconds
  seconds="$(sed -n 's/^took \([0-9.]*\) s.*/\1/p' <<<"$output")"
  printf '%-10s %s\n' "$label" "$(head -n 1 <<<"$output")"
  # The runs must do what they are named for, or the numbers mean nothing.
  case "$label" in
    create) grep -q '^read [0-9]*, created [1-9]' <<<"$output" ;;
    unchanged) grep -q ', created 0, updated 0, unchanged [1-9]' <<<"$output" ;;
    update) grep -q ', created 0, updated [1-9]' <<<"$output" ;;
  esac || { echo "the $label run did not do what it is named for" >&2; exit 1; }
  python3 -c "import sys; r, s = int(sys.argv[1]), float(sys.argv[2]); print(f'{\"\":10} {r} rows in {s:.2f} s: {r / max(s, 1e-9):.0f} rows/s')" "$rows" "$seconds"
}

kind=debug
case "$bin" in *release*) kind=release ;; esac
echo "import of $rows ssd_person rows, $kind build of $(date -u -r "$bin" '+%Y-%m-%d %H:%M UTC'), HEAD $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores"
generate unchanged
run "create"
run "unchanged"
generate changed
run "update"
