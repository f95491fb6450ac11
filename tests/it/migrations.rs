//! Migrations that move stored data: a populated database comes through
//! them whole.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use lotcheck::store::{Db, SqliteSync};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

#[derive(QueryableByName)]
struct Dump {
    #[diesel(sql_type = Text)]
    rows: String,
}

#[derive(QueryableByName)]
struct PlanStep {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every column of every reading, in id order, as one text.
fn readings(conn: &mut SqliteConnection) -> String {
    diesel::sql_query(
        "SELECT group_concat(row, char(10)) AS rows FROM (SELECT quote(id) || ',' || quote(uuid) \
         || ',' || quote(batch_id) || ',' || quote(unit) || ',' || quote(characteristic_id) || ',' \
         || quote(value) || ',' || quote(supersedes) || ',' || quote(reason) || ',' \
         || quote(recorded_at) || ',' || quote(recorded_by) || ',' || quote(import_id) || ',' \
         || quote(taken_at) AS row FROM measurements ORDER BY id)",
    )
    .get_result::<Dump>(conn)
    .expect("readings dump")
    .rows
}

fn count(conn: &mut SqliteConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .expect(sql)
        .n
}

/// Migrations 000022 and 000023 rebuild SQLite's readings table, the
/// first to keep one index where it kept three, the second to store
/// readings sent without a client id without one: the demo's readings
/// (recorded without ids), a correction with one among them, come through
/// both (and back through their down steps) with every column and id, the
/// readings' sequence and the colours' references to them intact. The one
/// index keeps the rules of the three (one original per unit and
/// characteristic, one correction per reading); 000023's down step stores
/// for a reading without a client id the id the service answers it under
/// (`store::reading_ids::derived_uuid`), written a second time in SQL.
pub fn the_readings_table_comes_through_its_rebuild_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("migrated.db");
    let path = path.to_str().unwrap();
    {
        let db = Db::open(path, SqliteSync::Full, 2).expect("open");
        db.migrate().expect("migrate");
        db.write_blocking(|c| {
            lotcheck::demo::load(c)?;
            Ok(c.batch_execute(
                "INSERT INTO measurements (uuid, batch_id, unit, characteristic_id, value, \
                 supersedes, reason, recorded_at) SELECT 'correction-1', batch_id, unit, \
                 characteristic_id, value + 1, id, 're-measured', recorded_at FROM measurements \
                 WHERE id = (SELECT MIN(id) FROM measurements m WHERE supersedes IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM measurements c WHERE c.supersedes = m.id))",
            )?)
        })
        .expect("demo data and a correction");
    }
    let mut conn = SqliteConnection::establish(path).expect("connect");
    // The service's writer may still be closing its connection (a checkpoint).
    conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON")
        .unwrap();
    let without_ids = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM measurements WHERE uuid IS NULL",
    );
    assert!(
        without_ids > 1000,
        "{without_ids} readings without a client id"
    );
    let as_stored = readings(&mut conn);
    let stored = count(&mut conn, "SELECT COUNT(*) AS n FROM measurements");
    let colours = count(&mut conn, "SELECT COUNT(*) AS n FROM derived_colours");
    assert!(
        stored > 1000 && colours > 100,
        "{stored} readings, {colours} colours"
    );
    let index = |conn: &mut SqliteConnection, name: &str| {
        count(
            conn,
            &format!(
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name = '{name}'"
            ),
        )
    };
    let reverted = conn.revert_last_migration(SQLITE_MIGRATIONS).expect("down");
    assert!(reverted.to_string().ends_with("000023"), "{reverted}");
    let before = readings(&mut conn);
    let with_derived_ids: Vec<String> = as_stored
        .lines()
        .map(|row| match row.split_once(",NULL,") {
            Some((id, rest)) if !id.contains(',') => {
                let derived = lotcheck::store::reading_ids::derived_uuid(id.parse().unwrap());
                format!("{id},'{derived}',{rest}")
            }
            _ => row.to_string(),
        })
        .collect();
    assert_eq!(
        before,
        with_derived_ids.join("\n"),
        "readings without a client id stored under the ids they were answered with, \
         the rest as they were"
    );
    let whole = |conn: &mut SqliteConnection, step: &str| {
        assert_eq!(readings(conn), before, "every reading as it was, {step}");
        assert_eq!(
            count(
                conn,
                "SELECT seq AS n FROM sqlite_sequence WHERE name = 'measurements'"
            ),
            count(conn, "SELECT MAX(id) AS n FROM measurements"),
            "the readings' sequence, {step}"
        );
        assert_eq!(
            count(conn, "SELECT COUNT(*) AS n FROM pragma_foreign_key_check"),
            0,
            "every reference holds, {step}"
        );
        assert_eq!(
            count(conn, "SELECT COUNT(*) AS n FROM derived_colours"),
            colours
        );
    };

    let reverted = conn.revert_last_migration(SQLITE_MIGRATIONS).expect("down");
    assert!(reverted.to_string().ends_with("000022"), "{reverted}");
    whole(&mut conn, "after the down step");
    assert_eq!(index(&mut conn, "measurements_original"), 1);
    assert_eq!(index(&mut conn, "measurements_version"), 0);

    conn.run_pending_migrations(SQLITE_MIGRATIONS)
        .expect("up again");
    whole(&mut conn, "after the rebuild");
    assert_eq!(index(&mut conn, "measurements_original"), 0);
    assert_eq!(index(&mut conn, "measurements_unit"), 0);
    assert_eq!(index(&mut conn, "measurements_version"), 1);
    assert_eq!(index(&mut conn, "measurements_uuid"), 1);
    // Readings are looked up by client id through the partial index, one
    // id or a list (`store::any_of`).
    for lookup in [
        "uuid = 'x'",
        "uuid IN (SELECT value FROM json_each('[\"x\",\"y\"]'))",
    ] {
        let plan: Vec<String> = diesel::sql_query(format!(
            "EXPLAIN QUERY PLAN SELECT * FROM measurements WHERE {lookup}"
        ))
        .load::<PlanStep>(&mut conn)
        .expect("query plan")
        .into_iter()
        .map(|step| step.detail)
        .collect();
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX measurements_uuid")),
            "{lookup}: {plan:?}"
        );
    }

    let corrected = count(
        &mut conn,
        "SELECT supersedes AS n FROM measurements WHERE uuid = 'correction-1'",
    );
    let copy_of = |id: &str, supersedes: &str| {
        format!(
            "INSERT INTO measurements (uuid, batch_id, unit, characteristic_id, value, supersedes, \
             recorded_at) SELECT '{id}', batch_id, unit, characteristic_id, value, {supersedes}, \
             recorded_at FROM measurements WHERE id = {corrected}"
        )
    };
    let second_original = conn.batch_execute(&copy_of("original-2", "NULL"));
    assert!(
        format!("{second_original:?}").contains("UNIQUE"),
        "a second original of a unit's characteristic is refused: {second_original:?}"
    );
    let second_correction = conn.batch_execute(&copy_of("correction-2", &corrected.to_string()));
    assert!(
        format!("{second_correction:?}").contains("UNIQUE"),
        "a second correction of a reading is refused: {second_correction:?}"
    );
    assert_eq!(readings(&mut conn), before, "nothing refused was stored");

    // Down and up again, a reading sent without an id keeps its derived id
    // as text, and is still found by it.
    let kept = count(
        &mut conn,
        "SELECT MIN(id) AS n FROM measurements WHERE uuid LIKE '6c6f7463-686b-8000-%'",
    );
    let derived = lotcheck::store::reading_ids::derived_uuid(kept).to_string();
    let mut conn = lotcheck::store::DbConnection::Sqlite(conn);
    let found =
        lotcheck::store::measurements::find_by_uuids(&mut conn, std::slice::from_ref(&derived))
            .expect("lookup by id");
    let found: Vec<(i64, &str)> = found.iter().map(|(m, _)| (m.id, m.uuid.as_str())).collect();
    assert_eq!(found, [(kept, derived.as_str())]);
}
