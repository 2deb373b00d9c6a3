"""Schemathesis checks for Stable Futures: no 5xx, no answer carrying an INTERNAL error (an
unhandled failure), leaking SQL or a panic message, or holding another authority's record."""

import schemathesis

LEAKS = ("SQLSTATE", "syntax error at", "violates", "panicked at", "relation \"")


import json  # noqa: E402
import os  # noqa: E402

# The run's dictionary (scripts/fuzz_dictionary.py): real ids of the token's authority and of
# another one. Without it, every generated id is random and every lookup stops at "not found".
DICTIONARY = json.load(open(os.environ["SF_FUZZ_DICTIONARY"])) if os.environ.get("SF_FUZZ_DICTIONARY") else None


@schemathesis.check
def no_other_authority_data(ctx, response, case):
    """Another authority's ids must behave like random ones: none of them in an answer's data."""
    if DICTIONARY is None:
        return
    try:
        data = json.dumps(response.json().get("data"))
    except (ValueError, AttributeError):
        return
    for other in DICTIONARY["other"]:
        if other in data:
            raise AssertionError(f"another authority's record {other} is in the answer's data")


@schemathesis.check
def no_internal_error(ctx, response, case):
    """No 5xx, no INTERNAL error, no leaked detail. Used instead of schemathesis's
    not_a_server_error, which takes any error with a `path` for a server failure: a lookup or
    mutation given another authority's id (the dictionary's) answers `NOT_FOUND` at its field, as
    designed (docs/integration-guide.md)."""
    if response.status_code >= 500:
        raise AssertionError(f"the answer is HTTP {response.status_code}")
    text = response.text or ""
    if '"INTERNAL"' in text:
        raise AssertionError("the answer carries an INTERNAL error")
    for leak in LEAKS:
        if leak in text:
            raise AssertionError(f"the answer leaks internal detail ({leak!r})")


# Our custom scalars, so generated operations reach the resolvers instead of stopping at the parser.
from hypothesis import strategies as st  # noqa: E402
from schemathesis.graphql import nodes  # noqa: E402

schemathesis.graphql.scalar("Date", st.dates().map(str).map(nodes.String))
schemathesis.graphql.scalar(
    "DateTime",
    st.datetimes(timezones=st.just(__import__("datetime").timezone.utc)).map(lambda d: d.isoformat()).map(nodes.String),
)

if DICTIONARY is not None:
    # Mostly real ids (the token's authority's, and another's), some random: every lookup,
    # relation and mutation gets a record to work on, and a foreign or random id to refuse.
    schemathesis.graphql.scalar(
        "ID",
        st.one_of(
            st.sampled_from(DICTIONARY["own"]),
            st.sampled_from(DICTIONARY["other"]),
            st.text(min_size=1, max_size=40),
        ).map(nodes.String),
    )
    # Ints mostly where the API's live: page sizes (`first`, 1–100) and record versions
    # (`expectedVersion`, small), so lists and versioned writes get past their bounds too.
    schemathesis.graphql.scalar(
        "Int",
        st.one_of(st.integers(1, 100), st.integers(-(2**31), 2**31 - 1)).map(nodes.Int),
    )
