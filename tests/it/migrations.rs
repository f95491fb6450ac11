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

/// Every column of every derived colour but its id, in the order of the
/// pairs of readings, as one text.
fn colour_rows(conn: &mut SqliteConnection) -> String {
    diesel::sql_query(
        "SELECT group_concat(row, char(10)) AS rows FROM (SELECT quote(batch_id) || ',' \
         || quote(unit) || ',' || quote(x_measurement_id) || ',' || quote(y_measurement_id) \
         || ',' || quote(cct_k) || ',' || quote(duv) || ',' || quote(macadam_steps) AS row \
         FROM derived_colours ORDER BY x_measurement_id, y_measurement_id)",
    )
    .get_result::<Dump>(conn)
    .expect("colours dump")
    .rows
}

fn count(conn: &mut SqliteConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .expect(sql)
        .n
}

/// Migrations 000022, 000023 and 000024 rebuild SQLite's readings table,
/// the first to keep one index where it kept three, the second to store
/// readings sent without a client id without one, the third to store an
/// imported reading without its receipt time (its import's) and ids
/// without AUTOINCREMENT: the demo's readings (recorded without ids), a
/// correction with one among them and an imported reading come through
/// all three (and back through their down steps) with every column and
/// id, the readings' sequence and the colours' references to them intact.
/// The one index keeps the rules of the three (one original per unit and
/// characteristic, one correction per reading); 000023's down step stores
/// for a reading without a client id the id the service answers it under
/// (`store::reading_ids::derived_uuid`), written a second time in SQL;
/// 000024's stores an imported reading's receipt time, its import's.
/// 000025, which keeps the colours in one B-tree, and its down step keep
/// every colour as it was.
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
    // 000025 keeps the colours in one B-tree: each as it was, and back.
    let colours_as_stored = colour_rows(&mut conn);
    let reverted = conn.revert_last_migration(SQLITE_MIGRATIONS).expect("down");
    assert!(reverted.to_string().ends_with("000025"), "{reverted}");
    assert_eq!(
        colour_rows(&mut conn),
        colours_as_stored,
        "colours after 000025's down step"
    );
    let import_time = "2026-12-06 08:30:00.250000";
    conn.batch_execute(&format!(
        "INSERT INTO imports (batch_id, sha256, filename, rows_read, readings, imported_at) \
         SELECT batch_id, 'f00d', 'sphere.csv', 1, 1, '{import_time}' FROM measurements LIMIT 1; \
         INSERT INTO measurements (batch_id, unit, characteristic_id, value, import_id) \
         SELECT batch_id, 1000001, characteristic_id, 800.5, (SELECT MAX(id) FROM imports) \
         FROM measurements LIMIT 1"
    ))
    .expect("an imported reading, received with its file");
    let received = readings(&mut conn);
    let reverted = conn.revert_last_migration(SQLITE_MIGRATIONS).expect("down");
    assert!(reverted.to_string().ends_with("000024"), "{reverted}");
    let with_import_times: Vec<String> = received
        .lines()
        .map(|row| {
            let mut columns: Vec<&str> = row.split(',').collect();
            let quoted = format!("'{import_time}'");
            if columns[8] == "NULL" {
                columns[8] = &quoted;
            }
            columns.join(",")
        })
        .collect();
    assert_ne!(
        received,
        with_import_times.join("\n"),
        "one reading without a time"
    );
    assert_eq!(
        readings(&mut conn),
        with_import_times.join("\n"),
        "an imported reading stored with its import's time, the rest as they were"
    );
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
    let whole = |conn: &mut SqliteConnection, step: &str, sequence: bool| {
        assert_eq!(readings(conn), before, "every reading as it was, {step}");
        if sequence {
            assert_eq!(
                count(
                    conn,
                    "SELECT seq AS n FROM sqlite_sequence WHERE name = 'measurements'"
                ),
                count(conn, "SELECT MAX(id) AS n FROM measurements"),
                "the readings' sequence, {step}"
            );
        }
        assert_eq!(
            count(conn, "SELECT COUNT(*) AS n FROM pragma_foreign_key_check"),
            0,
            "every reference holds, {step}"
        );
        assert_eq!(
            count(conn, "SELECT COUNT(*) AS n FROM derived_colours"),
            colours
        );
        assert_eq!(colour_rows(conn), colours_as_stored, "colours, {step}");
    };

    let reverted = conn.revert_last_migration(SQLITE_MIGRATIONS).expect("down");
    assert!(reverted.to_string().ends_with("000022"), "{reverted}");
    whole(&mut conn, "after the down step", true);
    assert_eq!(index(&mut conn, "measurements_original"), 1);
    assert_eq!(index(&mut conn, "measurements_version"), 0);

    conn.run_pending_migrations(SQLITE_MIGRATIONS)
        .expect("up again");
    whole(&mut conn, "after the rebuild", false);
    // Ids count on from the largest without AUTOINCREMENT's sequence; a
    // reading without a time of its own must be an imported one.
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM sqlite_sequence WHERE name = 'measurements'"
        ),
        0
    );
    let no_time = conn.batch_execute(
        "INSERT INTO measurements (batch_id, unit, characteristic_id, value) \
         SELECT batch_id, 1000002, characteristic_id, 1 FROM measurements LIMIT 1",
    );
    assert!(
        format!("{no_time:?}").contains("CHECK"),
        "a reading neither received nor imported is refused: {no_time:?}"
    );
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
