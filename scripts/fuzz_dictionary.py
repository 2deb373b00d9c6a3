"""Writes the fuzzing run's dictionary of ids: real ones of the development server's demo data,
for the authority the run's token speaks for (so generated operations reach the lookups' and the
mutations' logic instead of stopping at "not found") and for another authority (which must behave
exactly like random ones). Usage: fuzz_dictionary.py URL OWN_TOKEN OTHER_TOKEN OUT.json"""

import json
import sys
import urllib.request

QUERY = """{ viewer { localAuthority { code } }
  children(first: 100) { nodes { id recordedByLocalAuthority { code }
  referrals(first: 10) { nodes { id } }
  guardianAssignments { id }
  outcomeMeasurements(first: 10) { nodes { id } } } } }"""


def ids(url: str, token: str, not_from: str = "") -> tuple[str, list[str]]:
    """The authority `token` speaks for, and the ids of its children and their records, but for
    children that moved to it from `not_from` (a transfer): their ids are in that authority's
    own history (its feed, its outgoing transfers), rightly."""
    request = urllib.request.Request(
        url,
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise SystemExit(f"the dictionary query failed: {answer['errors']}")
    found = []
    for child in answer["data"]["children"]["nodes"]:
        if child["recordedByLocalAuthority"]["code"] == not_from:
            continue
        found.append(child["id"])
        found += [r["id"] for r in (child["referrals"] or {}).get("nodes", [])]
        found += [a["id"] for a in child["guardianAssignments"] or []]
        found += [m["id"] for m in (child["outcomeMeasurements"] or {}).get("nodes", [])]
    return answer["data"]["viewer"]["localAuthority"]["code"], found


def main() -> None:
    url, own_token, other_token, out = sys.argv[1:5]
    own_authority, own = ids(url, own_token)
    _, other = ids(url, other_token, not_from=own_authority)
    if not own or not other:
        raise SystemExit("the demo data gave no ids: the dictionary would fuzz nothing real")
    with open(out, "w") as f:
        json.dump({"own": own, "other": other}, f)
    print(f"fuzz dictionary: {len(own)} ids of the token's authority, {len(other)} of another")


if __name__ == "__main__":
    main()
