//! `column IN (list)` as two statements whatever the list's length (one
//! value, and any other number of values), so the connection prepares each
//! once and keeps it.
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
//! One value is `col = ?` instead, on both backends (still one statement
//! whatever the value): SQLite answers `IN (SELECT …)` by filling a
//! temporary B-tree with the subquery's rows first, and a recording
//! request names one unit (BENCHMARKS.md, ingestion).
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
    /// The values as a JSON array, SQLite's one bound value for a list
    /// (none for one value).
    json: Option<String>,
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
        json: (values.len() != 1).then(|| {
            serde_json::to_string(values).expect("integers and strings serialise to JSON")
        }),
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
    /// Two shapes of SQL (one value, a list): the statement cache must
    /// tell them apart by their SQL, not by the query's type. So diesel
    /// writes a query's SQL out on each run to find it in the cache (a
    /// static id would skip that); on the recording path that costs less
    /// than the temporary B-tree it avoids (BENCHMARKS.md).
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C, ST, T> QueryFragment<Sqlite> for AnyOf<C, ST, T>
where
    C: QueryFragment<Sqlite>,
    ST: SqlType + 'static,
    Sqlite: HasSqlType<ST>,
    T: ToSql<ST, Sqlite> + std::fmt::Debug,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        match (&self.json, self.values.as_slice()) {
            (Some(json), _) => {
                out.push_sql(" IN (SELECT value FROM json_each(");
                out.push_bind_param::<Text, String>(json)?;
                out.push_sql("))");
            }
            (None, [one]) => {
                out.push_sql(" = ");
                out.push_bind_param::<ST, T>(one)?;
            }
            (None, _) => unreachable!("a list other than of one value has its JSON"),
        }
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
        if let [one] = self.values.as_slice() {
            out.push_sql(" = ");
            out.push_bind_param::<ST, T>(one)?;
        } else {
            out.push_sql(" = ANY(");
            out.push_bind_param::<Array<ST>, Vec<T>>(&self.values)?;
            out.push_sql(")");
        }
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
    fn one_value_is_one_statement_and_every_longer_list_another() {
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
        assert_eq!(one, sql(&[7]));
        assert!(one.0.as_deref().unwrap().ends_with("`id` = ?"), "{one:?}");
        assert!(
            one.1.as_deref().unwrap().ends_with("\"id\" = $1"),
            "{one:?}"
        );
        let many = sql(&[1, 2]);
        assert_eq!(many, sql(&[]));
        assert_eq!(many, sql(&(1..=5_000).collect::<Vec<_>>()));
        assert!(
            many.0.as_deref().unwrap().contains("json_each(?)"),
            "{many:?}"
        );
        assert!(many.1.as_deref().unwrap().contains("= ANY($1)"), "{many:?}");
        for ids in [&[1][..], &[1, 2]] {
            let query = numbers::table.filter(any_of_ids(numbers::id, ids));
            assert!(
                QueryFragment::<Sqlite>::is_safe_to_cache_prepared(&query, &Sqlite).unwrap(),
                "kept in the statement cache"
            );
        }
    }

    /// The statement cache tells the two shapes apart: a list after one
    /// value (and one value after a list) on the same connection finds
    /// what it asks for.
    #[test]
    fn one_value_and_a_list_alternate_on_one_connection() {
        let mut conn = filled();
        for _ in 0..3 {
            assert_eq!(ids_among(&mut conn, &[5]), vec![5]);
            assert_eq!(ids_among(&mut conn, &[5, 6]), vec![5, 6]);
            assert_eq!(ids_among(&mut conn, &[]), Vec::<i64>::new());
        }
    }
}
