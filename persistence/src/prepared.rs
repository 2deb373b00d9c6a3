//! Hand-written SQL that a connection keeps prepared.
//!
//! diesel never caches a `sql_query` statement, because its text may be built at run time, so
//! PostgreSQL parses and plans it again on every execution (a third of a millisecond for each
//! page statement, measured). The statements written here have `'static` texts, so diesel's
//! statement cache may keep them prepared per connection, keyed by their text.
//!
//! diesel's own inserts are kept too, with one condition: an `Option` field that `None` turns into
//! `DEFAULT` makes the statement's text depend on the values, and diesel then refuses to cache it.
//! The row types say `treat_none_as_default_value = false`: none of their nullable columns has a
//! default, so `NULL` is what `DEFAULT` gave. (diesel never caches an `UPDATE`.)
//!
//! diesel offers no way to bind a value to a `$n` the text already holds without marking the
//! statement uncacheable, so each `$n` is replaced by a placeholder of diesel's own, bound to the
//! n-th value (a `$n` used twice binds its value twice).
//!
//! Replacing text is only safe where every `$` is a placeholder, so [`placeholders`] reads the
//! text as PostgreSQL would and refuses, as an error of the statement rather than a panic, what
//! it cannot read unambiguously: dollar quoting (`$$`, `$tag$`), a `$` that is not followed by a
//! placeholder number or that ends an identifier (`a$1` is one name), any `$` inside a string
//! literal, quoted identifier or comment, a backslash in a string literal (`E'…'` escapes), and
//! an unterminated literal or comment. The texts are all ours, so none needs any of these; a
//! test reads every text given to [`prepared_sql`] in the crate's source.

use std::marker::PhantomData;

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};
use diesel::QueryResult;

/// A statement with a fixed text and `$1`, `$2`, … placeholders, bound in order with
/// [`PreparedSql::bind`]; loads rows by name, as `sql_query` does.
pub(crate) struct PreparedSql<'a> {
    sql: &'static str,
    binds: Vec<Box<dyn BindValue + Send + Sync + 'a>>,
}

pub(crate) fn prepared_sql<'a>(sql: &'static str) -> PreparedSql<'a> {
    PreparedSql {
        sql,
        binds: Vec::new(),
    }
}

impl<'a> PreparedSql<'a> {
    /// Binds the next placeholder (`$1` first) to `value`, sent as `ST`.
    pub(crate) fn bind<ST, V>(mut self, value: V) -> Self
    where
        Pg: HasSqlType<ST>,
        ST: Send + Sync + 'a,
        V: ToSql<ST, Pg> + Send + Sync + 'a,
    {
        self.binds
            .push(Box::new(Typed::<ST, V>(value, PhantomData)));
        self
    }
}

impl std::fmt::Debug for PreparedSql<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values: they can be a child's data.
        f.debug_struct("PreparedSql")
            .field("sql", &self.sql)
            .field("binds", &self.binds.len())
            .finish()
    }
}

trait BindValue {
    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()>;
}

struct Typed<ST, V>(V, PhantomData<ST>);

impl<ST, V> BindValue for Typed<ST, V>
where
    Pg: HasSqlType<ST>,
    V: ToSql<ST, Pg>,
{
    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_bind_param::<ST, V>(&self.0)
    }
}

impl QueryFragment<Pg> for PreparedSql<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let placeholders = placeholders(self.sql)
            .map_err(|error| diesel::result::Error::QueryBuilderError(Box::new(error)))?;
        let mut written = 0;
        for placeholder in placeholders {
            out.push_sql(&self.sql[written..placeholder.start]);
            let bind = self.binds.get(placeholder.number - 1).ok_or_else(|| {
                diesel::result::Error::QueryBuilderError(
                    format!(
                        "no value bound for ${} in a prepared statement",
                        placeholder.number
                    )
                    .into(),
                )
            })?;
            bind.push(&mut out)?;
            written = placeholder.end;
        }
        out.push_sql(&self.sql[written..]);
        Ok(())
    }
}

/// A `$n` in a statement's text: its byte range and `n` (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placeholder {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) number: usize,
}

/// Why a statement's text cannot be prepared here; the byte offset says where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SqlTextError {
    #[error("a `$` at byte {0} is not a placeholder (`$1`, `$2`, …): dollar quoting, `$0` or a `$` in a name")]
    NotAPlaceholder(usize),
    #[error("a `$` at byte {0} is inside a string literal, quoted identifier or comment")]
    DollarInside(usize),
    #[error(
        "a backslash at byte {0} is inside a string literal (escape strings are not read here)"
    )]
    Backslash(usize),
    #[error("a string literal, quoted identifier or comment starting at byte {0} never ends")]
    Unterminated(usize),
}

/// The placeholders of a statement's text, in order, read as PostgreSQL reads the text (see the
/// module's documentation for what is refused).
pub(crate) fn placeholders(sql: &str) -> Result<Vec<Placeholder>, SqlTextError> {
    let bytes = sql.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"') => {
                let start = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return Err(SqlTextError::Unterminated(start)),
                        Some(b'$') => return Err(SqlTextError::DollarInside(i)),
                        Some(b'\\') if quote == b'\'' => return Err(SqlTextError::Backslash(i)),
                        // A doubled quote is the quote itself, inside: read on.
                        Some(&b) if b == quote && bytes.get(i + 1) == Some(&quote) => i += 2,
                        Some(&b) if b == quote => break,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    if bytes[i] == b'$' {
                        return Err(SqlTextError::DollarInside(i));
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                let mut depth = 0_usize;
                loop {
                    match (bytes.get(i), bytes.get(i + 1)) {
                        (None, _) => return Err(SqlTextError::Unterminated(start)),
                        (Some(b'/'), Some(b'*')) => {
                            depth += 1;
                            i += 2;
                        }
                        (Some(b'*'), Some(b'/')) => {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        (Some(b'$'), _) => return Err(SqlTextError::DollarInside(i)),
                        _ => i += 1,
                    }
                }
            }
            b'$' => {
                let start = i;
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let end = i + 1 + digits;
                let number = sql[i + 1..end].parse::<usize>().unwrap_or(0);
                if number == 0 {
                    return Err(SqlTextError::NotAPlaceholder(start));
                }
                let follows_a_word = i > 0 && is_word(bytes[i - 1]);
                let runs_into_a_word = bytes.get(end).is_some_and(|&b| is_word(b));
                if bytes[i + 1] == b'0' || follows_a_word || runs_into_a_word {
                    return Err(SqlTextError::NotAPlaceholder(start));
                }
                found.push(Placeholder { start, end, number });
                i = end;
            }
            // An identifier (which may hold a `$` of its own, refused above when it does).
            b if is_word(b) => {
                while i < bytes.len() && is_word(bytes[i]) && bytes[i] != b'$' {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    Ok(found)
}

impl QueryId for PreparedSql<'_> {
    type QueryId = ();
    // Cached by the text: every `PreparedSql` is one type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for PreparedSql<'_> {
    type SqlType = Untyped;
}

#[cfg(test)]
mod tests {
    use diesel::debug_query;
    use diesel::sql_types::{BigInt, Text};
    use diesel::QueryableByName;
    use diesel_async::{AsyncConnection as _, AsyncPgConnection, RunQueryDsl as _};

    use super::*;
    use crate::testing::TestDatabase;

    #[derive(QueryableByName)]
    struct Number {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    /// How many statements the session holds prepared whose text starts with `prefix`.
    async fn prepared_like(conn: &mut AsyncPgConnection, prefix: &str) -> i64 {
        let rows: Vec<Number> = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_prepared_statements WHERE starts_with(statement, $1)",
        )
        .bind::<Text, _>(prefix)
        .load(conn)
        .await
        .expect("pg_prepared_statements");
        rows[0].n
    }

    #[tokio::test]
    async fn the_connection_keeps_a_prepared_sql_statement_and_not_a_sql_query() {
        let database = TestDatabase::create().await;
        let mut conn = AsyncPgConnection::establish(&database.app_url)
            .await
            .expect("connect");
        for n in 0..3_i64 {
            let kept: Vec<Number> = prepared_sql("SELECT $1::bigint + 1 AS n")
                .bind::<BigInt, _>(n)
                .load(&mut conn)
                .await
                .expect("prepared_sql");
            assert_eq!(kept[0].n, n + 1);
            let parsed: Vec<Number> = diesel::sql_query("SELECT $1::bigint + 2 AS n")
                .bind::<BigInt, _>(n)
                .load(&mut conn)
                .await
                .expect("sql_query");
            assert_eq!(parsed[0].n, n + 2);
        }
        assert_eq!(prepared_like(&mut conn, "SELECT $1::bigint + 1").await, 1);
        assert_eq!(prepared_like(&mut conn, "SELECT $1::bigint + 2").await, 0);
    }

    #[test]
    fn each_placeholder_becomes_a_bound_parameter_of_its_value() {
        let query = prepared_sql("SELECT $2 || $1, $2::bigint + $3")
            .bind::<Text, _>("a")
            .bind::<Text, _>("2")
            .bind::<BigInt, _>(3_i64);
        let shown = debug_query::<Pg, _>(&query).to_string();
        assert_eq!(
            shown,
            r#"SELECT $1 || $2, $3::bigint + $4 -- binds: ["2", "a", "2", 3]"#
        );
    }

    #[test]
    fn a_placeholder_without_a_value_is_an_error_not_a_panic() {
        let query = prepared_sql("SELECT $1, $2").bind::<Text, _>("a");
        let mut builder = diesel::pg::PgQueryBuilder::default();
        let built = query.to_sql(&mut builder, &Pg);
        assert!(
            matches!(built, Err(diesel::result::Error::QueryBuilderError(_))),
            "{built:?}"
        );
    }

    #[test]
    fn placeholders_are_read_where_postgresql_reads_them() {
        let sql = "SELECT $1::bigint, 'it''s', \"Quoted\" -- a note\n FROM t /* a /* nested */ one */ WHERE a = $12 AND b = ANY($2)";
        let found: Vec<usize> = placeholders(sql)
            .expect("a plain text")
            .iter()
            .map(|p| p.number)
            .collect();
        assert_eq!(found, [1, 12, 2]);
        let first = placeholders(sql).expect("a plain text")[0];
        assert_eq!(&sql[first.start..first.end], "$1");
    }

    #[test]
    fn texts_a_placeholder_scan_would_misread_are_refused() {
        for sql in [
            "SELECT $$text$$",
            "SELECT $tag$text$tag$",
            "SELECT $",
            "SELECT $a",
            "SELECT $0",
            "SELECT $01",
            "SELECT a$1 FROM t",
            "SELECT $1a",
            "SELECT $1$2",
        ] {
            assert!(
                matches!(placeholders(sql), Err(SqlTextError::NotAPlaceholder(_))),
                "{sql}: {:?}",
                placeholders(sql)
            );
        }
        for sql in [
            "SELECT '$1'",
            "SELECT 'it''s $1'",
            "SELECT \"col$1\" FROM t",
            "SELECT 1 -- $1\n",
            "SELECT 1 /* $1 */",
            "SELECT 1 /* /* */ $1 */",
        ] {
            assert!(
                matches!(placeholders(sql), Err(SqlTextError::DollarInside(_))),
                "{sql}: {:?}",
                placeholders(sql)
            );
        }
        assert!(matches!(
            placeholders(r"SELECT E'\n', $1"),
            Err(SqlTextError::Backslash(_))
        ));
        for sql in [
            "SELECT 'open",
            "SELECT \"open",
            "SELECT 1 /* open",
            "SELECT 1 /* /* */",
        ] {
            assert!(
                matches!(placeholders(sql), Err(SqlTextError::Unterminated(_))),
                "{sql}: {:?}",
                placeholders(sql)
            );
        }
    }

    /// Before the text was read as PostgreSQL reads it, `'$1'` became a bound parameter inside a
    /// string literal: a different statement from the one written.
    #[test]
    fn a_dollar_inside_a_literal_is_an_error_of_the_statement_not_a_substitution() {
        for sql in [
            "SELECT '$1' AS t",
            "SELECT $1 AS \"t$1\"",
            "SELECT $1 -- $1",
        ] {
            let query = prepared_sql(sql).bind::<Text, _>("a");
            let mut builder = diesel::pg::PgQueryBuilder::default();
            let built = query.to_sql(&mut builder, &Pg);
            assert!(
                matches!(built, Err(diesel::result::Error::QueryBuilderError(_))),
                "{sql}: {built:?}"
            );
        }
    }

    /// Every text handed to `prepared_sql` in the crate (outside this file, whose tests hand it
    /// wrong ones on purpose) is one it can prepare. They are literals at the call, so the test
    /// reads them from the source: a new statement is checked without being listed anywhere.
    #[test]
    fn every_prepared_sql_text_in_the_crate_is_readable() {
        fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("read src") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    rust_files(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        /// A Rust string literal's value, from its opening quote; `None` for anything else.
        fn literal(text: &str) -> Option<String> {
            let mut chars = text.strip_prefix('"')?.chars().peekable();
            let mut value = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '"' => return Some(value),
                    '\\' => match chars.next()? {
                        '\n' => {
                            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                                chars.next();
                            }
                        }
                        'n' => value.push('\n'),
                        't' => value.push('\t'),
                        other => value.push(other),
                    },
                    other => value.push(other),
                }
            }
            None
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut checked = 0;
        for file in files.iter().filter(|f| !f.ends_with("prepared.rs")) {
            let text = std::fs::read_to_string(file).expect("read");
            for (at, _) in text.match_indices("prepared_sql(") {
                let argument = text[at + "prepared_sql(".len()..].trim_start();
                // A constant of the same file (`prepared_sql(WORKLIST)`) is read where it is
                // defined.
                let constant: String = argument
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                let argument = if constant.is_empty() {
                    argument
                } else {
                    let definition = format!("const {constant}: &str = ");
                    text.find(&definition)
                        .map(|at| &text[at + definition.len()..])
                        .unwrap_or(argument)
                };
                // A text put together at compile time (`concat!`) is checked by a test of its
                // own module, which this scan requires.
                if argument.starts_with("concat!(") {
                    let own_check = format!("placeholders({constant})");
                    assert!(
                        text.contains(&own_check),
                        "{}: {constant} is built with concat!, so its module must test {own_check}",
                        file.display()
                    );
                    checked += 1;
                    continue;
                }
                let sql = literal(argument).unwrap_or_else(|| {
                    panic!(
                        "{}: prepared_sql takes a string literal here, so this test can read it",
                        file.display()
                    )
                });
                if let Err(error) = placeholders(&sql) {
                    panic!("{}: {error}: {sql}", file.display());
                }
                checked += 1;
            }
        }
        // The audit insert, the write's audit and feed entry, the notify, the two pages: a
        // scan that finds fewer has stopped finding them.
        assert!(checked >= 5, "only {checked} prepared_sql texts found");
    }
}
