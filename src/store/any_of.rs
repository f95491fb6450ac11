//! `column IN (list)` as one statement whatever the list's length, so the
//! connection prepares it once and keeps it.
//!
//! diesel's `eq_any` writes one placeholder per value on SQLite: every
//! length is a new statement, parsed and planned anew, and never kept in
//! the statement cache. On the hot path of recording (a few units, a few
//! characteristics, a few client ids per request) that parsing was a fifth
//! of the server's time. Here the list is one bound value instead:
//! - SQLite: a JSON array read by `json_each`
//!   (<https://sqlite.org/json1.html#jeach>), `col IN (SELECT value FROM
//!   json_each(?))`; SQLite runs the subquery once and probes the column's
//!   index with each value;
//! - PostgreSQL: an array, `col = ANY(?)`, as diesel's `eq_any` does there.
//!
//! The expression renders for a concrete backend, so a query using it runs
//! on the connection inside [`DbConnection`](super::DbConnection) through
//! [`on_backend!`](super::on_backend).

use diesel::expression::{AppearsOnTable, Expression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Array, BigInt, Bool, HasSqlType, Nullable, SqlType, Text};
use diesel::sqlite::Sqlite;
use diesel::QueryResult;
use std::marker::PhantomData;

/// `column` equals one of `values`; see the module documentation.
#[derive(Debug, Clone)]
pub struct AnyOf<C, ST, T> {
    column: C,
    values: Vec<T>,
    /// The values as a JSON array, SQLite's one bound value.
    json: String,
    sql_type: PhantomData<ST>,
}

/// A column whose values compare with `ST`'s: of that type, or of it or
/// NULL. Keeps a list of integers from being matched against a text
/// column, which SQLite would answer without an error.
pub trait Holds<ST> {}
impl<ST> Holds<ST> for ST {}
impl<ST> Holds<ST> for Nullable<ST> {}

/// Row ids, unit numbers and other integer keys among `values`.
pub fn any_of_ids<C>(column: C, values: &[i64]) -> AnyOf<C, BigInt, i64>
where
    C: Expression<SqlType: Holds<BigInt>>,
{
    any_of(column, values)
}

/// Client ids and other text keys among `values`.
pub fn any_of_texts<C>(column: C, values: &[String]) -> AnyOf<C, Text, String>
where
    C: Expression<SqlType: Holds<Text>>,
{
    any_of(column, values)
}

fn any_of<C, ST, T: Clone + serde::Serialize>(column: C, values: &[T]) -> AnyOf<C, ST, T> {
    AnyOf {
        column,
        values: values.to_vec(),
        json: serde_json::to_string(values).expect("integers and strings serialise to JSON"),
        sql_type: PhantomData,
    }
}

impl<C: Expression, ST, T> Expression for AnyOf<C, ST, T> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, ST, T, QS> AppearsOnTable<QS> for AnyOf<C, ST, T> where Self: Expression {}

impl<C: ValidGrouping<GB>, ST, T, GB> ValidGrouping<GB> for AnyOf<C, ST, T> {
    type IsAggregate = C::IsAggregate;
}

impl<C: QueryId, ST: 'static, T: 'static> QueryId for AnyOf<C, ST, T> {
    type QueryId = AnyOf<C::QueryId, ST, T>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>, ST, T> QueryFragment<Sqlite> for AnyOf<C, ST, T> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C, ST, T> QueryFragment<Pg> for AnyOf<C, ST, T>
where
    C: QueryFragment<Pg>,
    ST: SqlType + 'static,
    Pg: HasSqlType<ST>,
    T: ToSql<ST, Pg> + std::fmt::Debug,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<ST>, Vec<T>>(&self.values)?;
        out.push_sql(")");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    diesel::table! {
        numbers (id) {
            id -> BigInt,
            name -> Text,
        }
    }

    fn filled() -> SqliteConnection {
        let mut conn = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
        conn.batch_execute(
            "CREATE TABLE numbers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
             INSERT INTO numbers SELECT i, 'n' || i FROM n;
             INSERT INTO numbers VALUES (4000, 'quote \" and '' and \\ and ,');",
        )
        .expect("fill numbers");
        conn
    }

    fn ids_among(conn: &mut SqliteConnection, ids: &[i64]) -> Vec<i64> {
        numbers::table
            .filter(any_of_ids(numbers::id, ids))
            .order(numbers::id)
            .select(numbers::id)
            .load(conn)
            .expect("query by ids")
    }

    #[test]
    fn finds_the_rows_listed_and_no_others() {
        let mut conn = filled();
        assert_eq!(ids_among(&mut conn, &[]), Vec::<i64>::new());
        assert_eq!(ids_among(&mut conn, &[5]), vec![5]);
        assert_eq!(ids_among(&mut conn, &[9, 5, 5, 9999, -1]), vec![5, 9]);
        let many: Vec<i64> = (1..=2_500).rev().collect();
        assert_eq!(ids_among(&mut conn, &many), (1..=2_500).collect::<Vec<_>>());
        let names = ["n7".to_string(), "n8".to_string(), "N9".to_string()];
        let odd = ["quote \" and ' and \\ and ,".to_string()];
        for (list, expected) in [(&names[..], vec![7, 8]), (&odd[..], vec![4000])] {
            let found: Vec<i64> = numbers::table
                .filter(any_of_texts(numbers::name, list))
                .order(numbers::id)
                .select(numbers::id)
                .load(&mut conn)
                .expect("query by names");
            assert_eq!(found, expected, "{list:?}");
        }
    }

    #[test]
    fn every_length_of_list_is_one_statement() {
        let sql = |ids: &[i64]| {
            let query = numbers::table
                .filter(any_of_ids(numbers::id, ids))
                .select(numbers::id);
            (
                diesel::debug_query::<Sqlite, _>(&query)
                    .to_string()
                    .split(" -- binds")
                    .next()
                    .map(str::to_string),
                diesel::debug_query::<Pg, _>(&query)
                    .to_string()
                    .split(" -- binds")
                    .next()
                    .map(str::to_string),
            )
        };
        let one = sql(&[1]);
        assert_eq!(one, sql(&[1, 2, 3]));
        assert_eq!(one, sql(&(1..=5_000).collect::<Vec<_>>()));
        assert!(
            one.0.as_deref().unwrap().contains("json_each(?)"),
            "{one:?}"
        );
        assert!(one.1.as_deref().unwrap().contains("= ANY($1)"), "{one:?}");
        let query = numbers::table.filter(any_of_ids(numbers::id, &[1, 2]));
        assert!(
            QueryFragment::<Sqlite>::is_safe_to_cache_prepared(&query, &Sqlite).unwrap(),
            "kept in the statement cache"
        );
    }
}
