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
        let mut rest = self.sql;
        while let Some(dollar) = rest.find('$') {
            out.push_sql(&rest[..dollar]);
            let after = &rest[dollar + 1..];
            let digits = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            let bind = after[..digits]
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|index| self.binds.get(index))
                .ok_or_else(|| {
                    diesel::result::Error::QueryBuilderError(
                        format!(
                            "no value bound for ${} in a prepared statement",
                            &after[..digits]
                        )
                        .into(),
                    )
                })?;
            bind.push(&mut out)?;
            rest = &after[digits..];
        }
        out.push_sql(rest);
        Ok(())
    }
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
}
