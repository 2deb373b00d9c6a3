"""Schemathesis checks for Stable Futures: beyond "no 5xx", no answer may carry an INTERNAL
error (an unhandled failure), and no answer may leak SQL or a panic message."""

import schemathesis

LEAKS = ("SQLSTATE", "syntax error at", "violates", "panicked at", "relation \"")


@schemathesis.check
def no_internal_error(ctx, response, case):
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
