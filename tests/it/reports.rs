//! QC reports opened with independent tools (poppler-utils: pdftotext,
//! pdffonts, pdftoppm, pdfinfo): the text a customer reads, the fonts
//! embedded, every page rendering; issuing, revisions, verification and
//! the CSV of readings.

use crate::common::{self, Backend, Bulb, Http, TestApp, PASSWORD};
use lotcheck::domain::access::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("reports");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn pdf_text(pdf: &Path) -> String {
    run("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"])
}

fn page_count(pdf: &Path) -> usize {
    run("pdfinfo", &[pdf.to_str().unwrap()])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Every font is one of the shipped ones, embedded and subset (pdffonts'
/// "emb" and "sub" columns say yes); answers the fonts' names.
pub fn assert_fonts_embedded(pdf: &Path) -> Vec<String> {
    let listing = run("pdffonts", &[pdf.to_str().unwrap()]);
    let fonts: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!fonts.is_empty(), "no fonts: {listing}");
    fonts
        .into_iter()
        .map(|line| {
            let columns: Vec<&str> = line.split_whitespace().collect();
            let (emb, sub) = (columns[columns.len() - 5], columns[columns.len() - 4]);
            assert_eq!(emb, "yes", "font not embedded: {line}");
            assert_eq!(sub, "yes", "font not subset: {line}");
            assert!(
                line.contains("DejaVuSans") || line.contains("NotoSansCJKsc"),
                "only the shipped fonts: {line}"
            );
            columns[0].to_string()
        })
        .collect()
}

/// Renders every page to PNG and answers how many were made.
fn render_pages(pdf: &Path, prefix: &str, dpi: &str) -> usize {
    let out = scratch(prefix);
    let page_of_prefix = |entry: &std::fs::DirEntry| {
        let name = entry.file_name().into_string().unwrap();
        name.starts_with(&format!("{prefix}-")) && name.ends_with(".png")
    };
    // Pages of an earlier run, maybe of a longer report, are not counted.
    for entry in std::fs::read_dir(out.parent().unwrap()).unwrap() {
        let entry = entry.unwrap();
        if page_of_prefix(&entry) {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    run(
        "pdftoppm",
        &[
            "-r",
            dpi,
            "-png",
            pdf.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter(|e| page_of_prefix(e.as_ref().unwrap()))
        .count()
}

/// An order's CSV export as read back: its header and its rows.
pub struct OrderCsv {
    header: Vec<String>,
    pub rows: Vec<csv::StringRecord>,
}

impl OrderCsv {
    /// Fetches the order's CSV export, which must answer 200.
    pub async fn fetch(app: &Http, order_id: impl std::fmt::Display) -> OrderCsv {
        let (status, body) = bytes(app, &format!("/api/v1/orders/{order_id}/report.csv")).await;
        assert_eq!(status, StatusCode::OK);
        let mut reader = csv::Reader::from_reader(body.as_slice());
        let header = reader.headers().unwrap().iter().map(String::from).collect();
        let rows = reader.records().map(Result::unwrap).collect();
        OrderCsv { header, rows }
    }

    /// The index of the column named `name`.
    pub fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }
}

/// The id of a unit's current reading of the characteristic `code`.
async fn reading_id(app: &Http, batch_id: i64, unit: i64, code: &str) -> String {
    let readings = app
        .get(&format!(
            "/api/v1/batches/{batch_id}/measurements?unit={unit}"
        ))
        .await
        .1;
    readings["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{readings}"))
        .iter()
        .find(|r| r["characteristic"] == code)
        .unwrap_or_else(|| panic!("{readings}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The status and body of a GET of `path`, as bytes.
async fn bytes(app: &Http, path: &str) -> (StatusCode, Vec<u8>) {
    let response = app
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A batch with readings of every characteristic; answers the reading ids.
async fn inspected_batch(app: &Http, batch_id: i64, seed: i64) -> Vec<Value> {
    let (_, units) =
        common::draw_plan(app, batch_id, json!({"method": "percent", "seed": seed})).await;
    let stored = common::record_bulbs(app, batch_id, &units, |i| Bulb {
        flux: 800.0 + i as f64,
        power: 9.0 + 0.01 * i as f64,
        lights_up: 0,
    })
    .await;
    stored["measurements"].as_array().unwrap().clone()
}

pub async fn an_issued_report_reads_right_is_stable_and_verifiable_and_revisions_say_what_changed(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let s = common::scenario(&app, 200).await;
    let readings = inspected_batch(&app, s.batch_id, 5).await;
    let (status, signed) = app
        .post(
            &format!("/api/v1/batches/{}/disposition", s.batch_id),
            &json!({"password": PASSWORD, "meaning": "released_under_concession", "comment": "visual inspection waived by the customer"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    let customer = app
        .signed_in("helios1", Role::Customer, Some(s.customer_id))
        .await;
    let report_path = format!("/api/v1/orders/{}/report.pdf", s.order_id);
    let (status, _) = bytes(&customer, &report_path).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing issued yet");

    let issue_path = format!("/api/v1/orders/{}/reports", s.order_id);
    let empty = app
        .create("/api/v1/orders", json!({"customer_id": s.customer_id, "product_id": s.product_id, "po_number": "PO-EMPTY", "quantity": 10}))
        .await;
    let (status, problem) = app
        .post(
            &format!("/api/v1/orders/{}/reports", empty["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "an order without batches has nothing to report: {problem}"
    );
    let (status, first) = app.post(&issue_path, &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["revision"], 1);
    let (status, pdf) = bytes(&customer, &report_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sha256(&pdf),
        first["sha256"],
        "the stored file is the issued one"
    );
    let (_, again) = bytes(&customer, &report_path).await;
    assert_eq!(again, pdf, "downloading again gives the same bytes");

    let file = scratch(&format!("issued-{backend:?}.pdf"));
    std::fs::write(&file, &pdf).unwrap();
    let text = pdf_text(&file);
    for expected in [
        "PO-2026-0001",
        "A60-E27-9W-2700K",
        "Helios Home Lighting Ltd",
        "QCR-",
        "revision 1",
    ] {
        assert!(
            text.contains(expected),
            "the report names {expected}:\n{text}"
        );
    }
    // Each batch's decision, and the verdict it leads to.
    assert!(text.contains("Released"), "{text}");
    assert!(text.contains("CONFORMS"), "{text}");
    // The sampling plan and the results table.
    assert!(text.contains("10% random"), "{text}");
    assert!(text.contains("Luminous flux"), "{text}");
    assert_fonts_embedded(&file);
    // Bookmarks lead to each section (titles stored as plain PDF strings).
    let raw = String::from_utf8_lossy(&pdf);
    for section in [
        "2  Sampling plans",
        "3  Results per batch and characteristic",
        "8  Statement of conformance",
    ] {
        assert!(
            raw.contains(&format!("/Title({section})")),
            "no bookmark for {section}"
        );
    }
    let pages = page_count(&file);
    assert_eq!(
        render_pages(&file, &format!("issued-{backend:?}"), "30"),
        pages
    );

    // Verification: public, by the file's SHA-256.
    let anonymous = app.with_token(None);
    let (status, verdict) = anonymous
        .get(&format!("/api/v1/reports/verify/{}", sha256(&pdf)))
        .await;
    assert_eq!(status, StatusCode::OK, "{verdict}");
    assert_eq!(verdict["genuine"], true);
    assert_eq!(verdict["po_number"], "PO-2026-0001");
    assert_eq!(verdict["report"]["order_id"], s.order_id);
    let mut altered = pdf.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 1;
    let (status, _) = anonymous
        .get(&format!("/api/v1/reports/verify/{}", sha256(&altered)))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an altered file is not genuine"
    );
    let (status, problem) = anonymous.get("/api/v1/reports/verify/not-a-hash").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(common::error_fields(&problem), ["sha256"]);

    // The same check in the browser: upload the file to /verify.
    let page = |bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("report.pdf"),
        );
        let request = anonymous
            .request(reqwest::Method::POST, "/verify")
            .multipart(form);
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let shown = page(pdf.clone()).await;
    assert!(
        shown.contains("Genuine.") && shown.contains("PO-2026-0001"),
        "{shown}"
    );
    let shown = page(altered.clone()).await;
    assert!(shown.contains("Not a report issued here."), "{shown}");

    // Issuing again without changes gives the same revision.
    let (status, same) = app.post(&issue_path, &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{same}");
    assert_eq!(same["revision"], 1);

    // A correction after issue leads to revision 2, which says what changed.
    let original = readings[0]["id"].as_str().unwrap();
    let old_value = readings[0]["value"].as_f64().unwrap();
    let (status, _) = app
        .post(
            &format!("/api/v1/measurements/{original}/corrections"),
            &json!({"value": 812.5, "reason": "transcription error"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, second) = app.post(&issue_path, &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["revision"], 2);
    let changes = second["changes"].to_string();
    assert!(
        changes.contains(&format!("corrected from {old_value} to 812.5"))
            && changes.contains("transcription error"),
        "{changes}"
    );
    let (_, pdf2) = bytes(&customer, &report_path).await;
    assert_eq!(sha256(&pdf2), second["sha256"]);
    let file2 = scratch(&format!("issued-{backend:?}-2.pdf"));
    std::fs::write(&file2, &pdf2).unwrap();
    let text2 = pdf_text(&file2);
    assert!(
        text2.contains("Changes since revision 1") && text2.contains("transcription error"),
        "{text2}"
    );
    // The Chinese file of the revision tells the same change in Chinese.
    let (status, chinese) = bytes(&customer, &format!("{report_path}?language=zh-CN")).await;
    assert_eq!(status, StatusCode::OK);
    let file2_zh = scratch(&format!("issued-{backend:?}-2-zh.pdf"));
    std::fs::write(&file2_zh, &chinese).unwrap();
    let chinese_text: String = pdf_text(&file2_zh).split_whitespace().collect();
    assert!(
        chinese_text.contains(&format!("由{old_value}更正为812.5"))
            && chinese_text.contains("（transcriptionerror）"),
        "{chinese_text}"
    );
    // The old revision stays downloadable, byte for byte, and is marked superseded.
    let (status, old) = bytes(
        &customer,
        &format!("/api/v1/orders/{}/reports/1", s.order_id),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(old, pdf);
    let (_, verdict) = anonymous
        .get(&format!("/api/v1/reports/verify/{}", sha256(&pdf)))
        .await;
    assert_eq!(
        (
            verdict["superseded"].clone(),
            verdict["latest_revision"].clone()
        ),
        (json!(true), json!(2))
    );
    let (_, list) = customer.get(&issue_path).await;
    assert_eq!(list.as_array().unwrap().len(), 2);

    // Customers get issued reports only; staff may ask for a draft.
    let (status, _) = bytes(&customer, &format!("{report_path}?draft=true")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, draft) = bytes(&app, &format!("{report_path}?draft=true")).await;
    assert_eq!(status, StatusCode::OK);
    let draft_file = scratch(&format!("draft-{backend:?}.pdf"));
    std::fs::write(&draft_file, &draft).unwrap();
    assert!(pdf_text(&draft_file).contains("DRAFT, not issued"));
}

/// The Chinese and the bilingual report of an issued revision, opened
/// with poppler: the Chinese text comes back out with pdftotext, every
/// font is embedded and subset (so the file stays small), each file has
/// its own SHA-256 that verifies, and the customer downloads the language
/// it asks for.
pub async fn a_chinese_report_reads_in_chinese_with_its_fonts_embedded_and_subset(
    backend: Backend,
) {
    // A site on Shanghai's time: the report's times are printed in its zone.
    let settings = lotcheck::Settings {
        time_zone: lotcheck::SiteZone(chrono_tz::Asia::Shanghai),
        ..Default::default()
    };
    let app = TestApp::spawn_with(backend, settings).await;
    let s = common::scenario(&app, 200).await;
    inspected_batch(&app, s.batch_id, 7).await;
    let issued = common::decide_and_issue(
        &app,
        s.batch_id,
        s.order_id,
        "released_under_concession",
        "客户同意免检外观",
    )
    .await;
    let files = issued["files"].as_array().unwrap();
    let languages: Vec<&str> = files
        .iter()
        .map(|f| f["language"].as_str().unwrap())
        .collect();
    assert_eq!(languages, ["en", "zh-CN", "bilingual"]);
    assert_eq!(files[0]["sha256"], issued["sha256"]);

    let customer = app
        .signed_in("helios-zh", Role::Customer, Some(s.customer_id))
        .await;
    let anonymous = app.with_token(None);
    let report_path = format!("/api/v1/orders/{}/report.pdf", s.order_id);
    let (_, english) = bytes(&customer, &report_path).await;
    let mut texts = Vec::new();
    for file in &files[1..] {
        let language = file["language"].as_str().unwrap();
        let (status, pdf) = bytes(&customer, &format!("{report_path}?language={language}")).await;
        assert_eq!(status, StatusCode::OK, "{language}");
        assert_eq!(sha256(&pdf), file["sha256"], "{language}: the stored file");
        let (_, by_revision) = bytes(&customer, file["href"].as_str().unwrap()).await;
        assert_eq!(
            by_revision, pdf,
            "{language}: the revision's link gives the same bytes"
        );
        let (status, verdict) = anonymous
            .get(&format!("/api/v1/reports/verify/{}", sha256(&pdf)))
            .await;
        assert_eq!(status, StatusCode::OK, "{verdict}");
        assert_eq!(verdict["language"], language);
        assert_eq!(verdict["report"]["revision"], 1);

        let path = scratch(&format!("issued-{language}-{backend:?}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        let fonts = assert_fonts_embedded(&path);
        assert!(
            fonts.iter().any(|f| f.contains("NotoSansCJKsc")),
            "{language}: the Chinese font is used: {fonts:?}"
        );
        // Subset: the Chinese file is not the English one plus a whole
        // CJK font (each shipped weight is about 1.5 MB).
        assert!(
            pdf.len() < english.len() + 400_000,
            "{language}: {} bytes against {} in English",
            pdf.len(),
            english.len()
        );
        assert_eq!(
            render_pages(&path, &format!("issued-{language}-{backend:?}"), "30"),
            page_count(&path)
        );
        texts.push(pdf_text(&path));
    }
    let (chinese, bilingual) = (&texts[0], &texts[1]);
    for expected in [
        "质量检验报告",
        "采购订单",
        "抽样方案",
        "各批次各特性的结果",
        "合格声明",
        "让步合格：PO-2026-0001",
        "随机抽取 10%",
        "让步放行",
        "客户同意免检外观",
        "第 1 页，共",
    ] {
        assert!(
            chinese.contains(expected),
            "the Chinese report reads {expected}:\n{chinese}"
        );
    }
    assert!(!chinese.contains("Statement of conformance"), "{chinese}");
    // The issue date and each decision's signing time, in the site's zone.
    let issued_at = chrono::DateTime::parse_from_rfc3339(issued["issued_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Shanghai);
    let expected = format!("{} Asia/Shanghai", issued_at.format("%Y-%m-%d %H:%M"));
    assert!(chinese.contains(&expected), "{expected}:\n{chinese}");
    assert!(!chinese.contains(" UTC"), "{chinese}");
    for expected in [
        "质量检验报告 / Quality control inspection report",
        "合格声明 / Statement of conformance",
        "CONFORMS UNDER CONCESSION",
    ] {
        assert!(
            bilingual.contains(expected),
            "the bilingual report reads {expected}:\n{bilingual}"
        );
    }
    let (status, problem) = customer.get(&format!("{report_path}?language=fr")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(common::error_fields(&problem), ["language"]);
}

pub async fn the_csv_holds_every_reading_once_with_corrections_applied(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let s = common::scenario(&app, 200).await;
    let readings = inspected_batch(&app, s.batch_id, 9).await;
    let original = readings[1]["id"].as_str().unwrap();
    app.create(
        &format!("/api/v1/measurements/{original}/corrections"),
        json!({"value": 901.0, "reason": "re-measured"}),
    )
    .await;
    let csv = OrderCsv::fetch(&app, s.order_id).await;
    let (column, rows) = (|name: &str| csv.column(name), &csv.rows);
    assert_eq!(
        rows.len(),
        readings.len(),
        "one row per unit and characteristic"
    );
    for reading in &readings {
        let id = reading["id"].as_str().unwrap();
        let unit = reading["unit"].to_string();
        let code = reading["characteristic"].as_str().unwrap();
        let row = rows
            .iter()
            .find(|r| r[column("unit")] == unit && &r[column("characteristic")] == code)
            .unwrap_or_else(|| panic!("no row for unit {unit} {code}"));
        assert_eq!(&row[column("po_number")], "PO-2026-0001");
        if id == original {
            assert_eq!(&row[column("value")], "901");
            assert_eq!(&row[column("corrected")], "true");
            assert_eq!(
                &row[column("conforming")],
                "false",
                "901 lm is above the USL of 887"
            );
        } else {
            assert_eq!(
                row[column("value")].parse::<f64>().unwrap(),
                reading["value"].as_f64().unwrap()
            );
            assert_eq!(&row[column("reading_id")], id);
        }
    }
}

/// A batch larger than a page of the CSV export
/// (`CSV_UNITS_PER_PAGE` units, read at a time so that memory stays flat),
/// its units drawn with gaps between them: every reading once, in unit
/// order across the pages, a correction in the second page applied; then a
/// batch with no readings, and a small one after it.
pub async fn a_batch_larger_than_a_page_of_the_csv_is_exported_whole(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = lotcheck::service::reports::CSV_UNITS_PER_PAGE;
    let s = common::scenario(&app, page * 2 + 400).await;
    let plan = json!({"method": "percent", "percent": 50, "seed": 1});
    let (_, units) = common::draw_plan(&app, s.batch_id, plan).await;
    assert!(units.len() as i64 > page, "{} units", units.len());
    let flux = |unit: i64| 780.0 + (unit % 50) as f64;
    let mut file = String::from("unit,flux,power\n");
    for unit in &units {
        file += &format!("{unit},{:.1},9.0\n", flux(*unit));
    }
    let (status, outcome) = common::upload_csv(&app, s.batch_id, file.into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{outcome}");
    let corrected_unit = units[units.len() - 10];
    let flux_reading = reading_id(&app, s.batch_id, corrected_unit, "flux").await;
    app.create(
        &format!("/api/v1/measurements/{flux_reading}/corrections"),
        json!({"value": 812.5, "reason": "re-measured"}),
    )
    .await;
    common::new_batch(&app, s.order_id, 20).await;
    let small = common::new_batch(&app, s.order_id, 20).await;
    let small_readings = inspected_batch(&app, small, 3).await;

    let csv = OrderCsv::fetch(&app, s.order_id).await;
    let (column, rows) = (|name: &str| csv.column(name), &csv.rows);
    let (large, rest) = rows.split_at(units.len() * 2);
    for (i, row) in large.iter().enumerate() {
        let unit = units[i / 2];
        let code = ["flux", "power"][i % 2];
        assert_eq!(&row[column("batch")], "1", "row {i}");
        assert_eq!(row[column("unit")].parse::<i64>().unwrap(), unit, "row {i}");
        assert_eq!(&row[column("characteristic")], code, "row {i}");
        let value: f64 = row[column("value")].parse().unwrap();
        let expected = match (unit, code) {
            (u, "flux") if u == corrected_unit => 812.5,
            (u, "flux") => flux(u),
            _ => 9.0,
        };
        assert_eq!(value, expected, "row {i}");
        let corrected = unit == corrected_unit && code == "flux";
        assert_eq!(&row[column("corrected")], corrected.to_string(), "row {i}");
    }
    // The empty second batch has no rows; the third has its own.
    assert_eq!(rest.len(), small_readings.len());
    assert!(rest.iter().all(|row| &row[column("batch")] == "3"));
    app.stop().await;
}

/// The CSV export reads a batch in pages as it stood when the export
/// began: a reading recorded and a correction made between its first page
/// and its second are left out of the second (the correction's original
/// stands in it, not corrected), and an export begun after them has both.
pub async fn the_csv_s_later_pages_leave_out_what_was_recorded_after_the_export_began(
    backend: Backend,
) {
    use lotcheck::domain::access::Visibility;
    use lotcheck::service::reports::{csv_page_of_batch, csv_scope, CSV_UNITS_PER_PAGE};
    let app = TestApp::spawn(backend).await;
    let s = common::scenario(&app, CSV_UNITS_PER_PAGE + 100).await;
    let plan = json!({"method": "percent", "percent": 100, "seed": 1});
    let (_, mut units) = common::draw_plan(&app, s.batch_id, plan).await;
    units.sort_unstable();
    let (imported, late) = units.split_at(units.len() - 1);
    let late = late[0];
    let mut file = String::from("unit,flux,power\n");
    for unit in imported {
        file += &format!("{unit},800.0,9.0\n");
    }
    let (status, outcome) = common::upload_csv(&app, s.batch_id, file.into_bytes(), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{outcome}");
    let corrected_unit = imported[imported.len() - 1];
    let flux_reading = reading_id(&app, s.batch_id, corrected_unit, "flux").await;

    let (order_id, batch_id) = (s.order_id, s.batch_id);
    let scope = app
        .db
        .read_blocking(|c| csv_scope(c, order_id, Visibility::Everything))
        .unwrap();
    let first = app
        .db
        .read_blocking(|c| csv_page_of_batch(c, &scope, batch_id, 1, None))
        .unwrap();
    let after = first.next_after.expect("the first page is a whole one");
    assert!(
        after < corrected_unit,
        "the corrected unit is in the second page"
    );
    // After the export began.
    app.create(
        &format!("/api/v1/measurements/{flux_reading}/corrections"),
        json!({"value": 812.5, "reason": "re-measured"}),
    )
    .await;
    common::record_readings(
        &app,
        batch_id,
        vec![
            json!({"unit": late, "characteristic": "flux", "value": 790.0}),
            json!({"unit": late, "characteristic": "power", "value": 9.5}),
        ],
    )
    .await;
    let second = app
        .db
        .read_blocking(|c| csv_page_of_batch(c, &scope, batch_id, 1, Some(after)))
        .unwrap();
    assert!(second.next_after.is_none(), "the second page is the last");

    let later = OrderCsv::fetch(&app, order_id).await;
    let column = |name: &str| later.column(name);
    let flux_of = |rows: &[csv::StringRecord], unit: i64| {
        rows.iter()
            .find(|r| {
                r[column("unit")] == unit.to_string() && &r[column("characteristic")] == "flux"
            })
            .map(|r| {
                (
                    r[column("value")].to_string(),
                    r[column("corrected")].to_string(),
                )
            })
    };
    let second_rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(second.rows.as_slice())
        .records()
        .map(Result::unwrap)
        .collect();
    let page_units: Vec<i64> = second_rows
        .iter()
        .map(|r| r[column("unit")].parse().unwrap())
        .collect();
    let expected: Vec<i64> = imported
        .iter()
        .filter(|&&u| u > after)
        .flat_map(|&u| [u, u])
        .collect();
    assert_eq!(
        page_units, expected,
        "the imported units after the first page, no later one"
    );
    assert_eq!(
        flux_of(&second_rows, corrected_unit),
        Some(("800".to_string(), "false".to_string())),
        "the reading as it stood when the export began"
    );
    assert_eq!(
        flux_of(&later.rows, corrected_unit),
        Some(("812.5".to_string(), "true".to_string()))
    );
    assert_eq!(
        flux_of(&later.rows, late),
        Some(("790".to_string(), "false".to_string()))
    );
    app.stop().await;
}

/// With the address the service is reached at from outside
/// (`--public-url`, here under a proxy's path), an issued report names the
/// full addresses of the page and the API where a holder checks it, in
/// every language it is issued in; without it, only the API's path (the
/// service cannot know its address behind a proxy).
pub async fn an_issued_report_names_the_page_where_it_is_checked(backend: Backend) {
    for public_url in [Some("https://qc.example.com/lotcheck"), None] {
        let settings = lotcheck::Settings {
            public_url: lotcheck::PublicUrl(public_url.map(String::from)),
            ..common::test_settings()
        };
        let app = TestApp::spawn_with(backend, settings).await;
        let s = common::scenario(&app, 20).await;
        inspected_batch(&app, s.batch_id, 3).await;
        let issued = common::decide_and_issue(
            &app,
            s.batch_id,
            s.order_id,
            "released_under_concession",
            "visual inspection waived by the customer",
        )
        .await;
        let files = issued["files"].as_array().unwrap();
        assert_eq!(files.len(), 3, "{issued}");
        for file in files {
            let language = file["language"].as_str().unwrap();
            let (status, pdf) = bytes(&app, file["href"].as_str().unwrap()).await;
            assert_eq!(status, StatusCode::OK, "{language}");
            let path = scratch(&format!(
                "checked-at-{language}-{}-{backend:?}.pdf",
                public_url.is_some()
            ));
            std::fs::write(&path, &pdf).unwrap();
            // The statement may break anywhere but inside an address.
            let text = pdf_text(&path)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            match public_url {
                Some(base) => {
                    assert!(
                        text.contains(&format!("{base}/verify")),
                        "{language}: {text}"
                    );
                    assert!(
                        text.contains(&format!("{base}/api/v1/reports/verify/")),
                        "{language}: {text}"
                    );
                }
                None => {
                    assert!(
                        text.contains(" /api/v1/reports/verify/"),
                        "{language}: {text}"
                    );
                    assert!(!text.contains("qc.example.com"), "{language}: {text}");
                }
            }
        }
        app.stop().await;
    }
}

/// An order of 150 batches: tables continue across pages with their
/// header, every page renders, and every batch is in the report.
pub async fn a_large_order_paginates_cleanly() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let s = common::scenario(&app, 20).await;
    inspected_batch(&app, s.batch_id, 1).await;
    for i in 2..=150 {
        let batch_id = common::new_batch(&app, s.order_id, 20).await;
        inspected_batch(&app, batch_id, i).await;
    }
    let (status, pdf) = bytes(&app, &format!("/api/v1/orders/{}/report.pdf", s.order_id)).await;
    assert_eq!(status, StatusCode::OK);
    let file = scratch("large.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let pages = page_count(&file);
    assert!(pages > 25, "{pages} pages");
    assert_eq!(
        render_pages(&file, "large", "12"),
        pages,
        "every page renders"
    );
    let text = pdf_text(&file);
    assert!(
        text.contains("Batch 150 · lot of 20"),
        "the last batch's results are there"
    );
    // Every page says which page of how many it is.
    for (i, page) in text
        .split('\u{c}')
        .enumerate()
        .filter(|(_, p)| !p.trim().is_empty())
    {
        assert!(
            page.contains(&format!("page {} of {pages}", i + 1)),
            "page {} is numbered",
            i + 1
        );
    }
    let plan_pages = text
        .split('\u{c}')
        .filter(|p| p.contains("10% random"))
        .count();
    let plan_headers = text
        .split('\u{c}')
        .filter(|p| p.contains("10% random") && p.contains("Producer's"))
        .count();
    assert!(plan_pages > 1, "the plan table spans pages");
    assert_eq!(
        plan_pages, plan_headers,
        "every page of the plan table has its header"
    );
}

/// The statements run on one connection while `work` runs on it, as SQL
/// with its binds (diesel's instrumentation).
fn statements_of<T>(
    db: &lotcheck::store::Db,
    work: impl FnOnce(&mut lotcheck::store::DbConnection) -> lotcheck::error::AppResult<T>,
) -> (T, Vec<String>) {
    use diesel::connection::{Connection, InstrumentationEvent};
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let answer = db
        .read_blocking(move |c| {
            c.set_instrumentation(move |event: InstrumentationEvent<'_>| {
                if let InstrumentationEvent::StartQuery { query, .. } = event {
                    log.lock().unwrap().push(query.to_string());
                }
            });
            let answer = work(c);
            c.set_instrumentation(|_: InstrumentationEvent<'_>| {});
            answer
        })
        .expect("work done");
    let statements = seen.lock().unwrap().clone();
    (answer, statements)
}

/// The batch ids a statement reads readings of: a SELECT from
/// `measurements` filtered by batch, with its bound batch ids.
fn batches_read(statement: &str) -> Vec<i64> {
    let plain = statement.replace(['"', '`'], "");
    let (sql, binds) = plain.split_once("-- binds:").unwrap_or((&plain, ""));
    let reads = sql.trim_start().starts_with("SELECT")
        && sql.contains("FROM measurements")
        && sql.contains("measurements.batch_id");
    if !reads {
        return Vec::new();
    }
    binds
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .filter_map(|b| b.trim().parse().ok())
        .collect()
}

/// The report of a multi-batch order with chromaticity (values derived
/// from it) and a corrected reading reads each batch's readings with one
/// statement, whatever its sections need of them: counted on the
/// connection, not timed.
pub async fn the_report_reads_each_batch_s_readings_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = app
        .create("/api/v1/customers", json!({"name": "Helios"}))
        .await;
    let product = app
        .create(
            "/api/v1/products",
            json!({"code": "A60-27-P", "name": "A60 2700 K", "customer_id": customer["id"],
                   "params": {"target_x": 0.4578, "target_y": 0.4101},
                   "characteristics": [
                {"code": "flux", "name": "Luminous flux", "unit": "lm", "kind": "variable",
                 "nominal": 806, "lsl": 725, "usl": 887, "severity": "major"},
                {"code": "x", "name": "Chromaticity x", "kind": "variable", "severity": "minor", "quantity": "cie_x"},
                {"code": "y", "name": "Chromaticity y", "kind": "variable", "severity": "minor", "quantity": "cie_y"},
                {"code": "cct", "name": "CCT", "unit": "K", "kind": "variable", "severity": "major",
                 "quantity": "cct_k", "nominal": 2725, "lsl": 2580, "usl": 2870},
                {"code": "sdcm", "name": "MacAdam steps", "kind": "variable", "severity": "major",
                 "quantity": "macadam_steps", "usl": 5}]}),
        )
        .await;
    let order = app
        .create(
            "/api/v1/orders",
            json!({"customer_id": customer["id"], "product_id": product["id"],
                                         "po_number": "PO-ONE-PASS", "quantity": 400}),
        )
        .await;
    let order_id = order["id"].as_i64().unwrap();
    let mut batch_ids = Vec::new();
    let mut corrected = None;
    for b in 0..4 {
        let batch_id = common::new_batch(&app, order_id, 100).await;
        let (_, units) =
            common::draw_plan(&app, batch_id, json!({"method": "percent", "seed": b})).await;
        let readings: Vec<Value> = units
            .iter()
            .enumerate()
            .flat_map(|(i, unit)| {
                let t = (i + 10 * b as usize) as f64;
                [
                    json!({"unit": unit, "characteristic": "flux", "value": 800.0 + t}),
                    json!({"unit": unit, "characteristic": "x", "value": 0.4578 + 0.0004 * (t * 1.3).sin()}),
                    json!({"unit": unit, "characteristic": "y", "value": 0.4101 + 0.0003 * (t * 0.7).cos()}),
                ]
            })
            .collect();
        let stored = common::record_readings(&app, batch_id, readings).await;
        if b == 1 {
            corrected = stored["measurements"][0]["id"].as_str().map(String::from);
        }
        batch_ids.push(batch_id);
    }
    app.create(
        &format!("/api/v1/measurements/{}/corrections", corrected.unwrap()),
        json!({"value": 901.0, "reason": "re-measured"}),
    )
    .await;

    let db = app.db.clone();
    let (pdf, statements) = tokio::task::spawn_blocking(move || {
        // The three languages an issue renders, from one pass.
        statements_of(&db, |c| {
            let reports = lotcheck::service::reports::gather_in(
                c,
                order_id,
                lotcheck::domain::access::Visibility::Everything,
                None,
                chrono::Utc::now().with_timezone(&chrono_tz::Tz::UTC),
                &lotcheck::domain::language::ReportLanguage::ALL,
            )?;
            assert_eq!(reports.len(), 3);
            lotcheck::report::pdf::render(&reports[2])
        })
    })
    .await
    .unwrap();
    assert!(pdf.starts_with(b"%PDF"), "the report renders");
    let reads: Vec<(&String, Vec<i64>)> = statements
        .iter()
        .map(|s| (s, batches_read(s)))
        .filter(|(_, ids)| !ids.is_empty())
        .collect();
    assert!(
        statements.iter().any(|s| s.contains("measurements")),
        "the statements are seen: {statements:?}"
    );
    for &batch_id in &batch_ids {
        let times = reads
            .iter()
            .filter(|(_, ids)| ids.contains(&batch_id))
            .count();
        assert_eq!(
            times,
            1,
            "batch {batch_id}'s readings are read once, not {times} times: {:#?}",
            reads
                .iter()
                .filter(|(_, ids)| ids.contains(&batch_id))
                .map(|(s, _)| s)
                .collect::<Vec<_>>()
        );
    }
    assert_eq!(
        reads.len(),
        batch_ids.len(),
        "one read of readings per batch, no more"
    );
}

/// The numbers of a results row as the PDF's text gives them, read from
/// the end of the row's first line: n, mean, s, min, max, LSL, USL, the
/// Cpk with its interval (or a dash) and the nonconforming count.
fn results_row(text: &str, name_start: &str) -> Vec<String> {
    let results = text
        .split_once("Results per batch and characteristic")
        .map_or(text, |(_, after)| after);
    let line = results
        .lines()
        .find(|l| l.trim_start().starts_with(name_start))
        .unwrap_or_else(|| panic!("no results row for {name_start}:\n{text}"));
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let cpk_tokens = if line.contains('[') { 3 } else { 1 };
    let count = 7 + cpk_tokens + 1;
    tokens[tokens.len() - count..]
        .iter()
        .map(|t| t.to_string())
        .collect()
}

/// The customer's PDF never cuts a number or a word: the results table of
/// a batch with a long characteristic name and limits of a few thousandths
/// reads back, with pdftotext, as the API's statistics give them.
pub async fn the_results_tables_hold_every_value_as_the_api_gives_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = app
        .create(
            "/api/v1/customers",
            json!({"name": "Helios Home Lighting Ltd"}),
        )
        .await;
    let product = app
        .create(
            "/api/v1/products",
            json!({"code": "A60-E27-9W-2700K-CC", "name": "A60 with colour consistency",
                   "characteristics": [
                {"code": "mcadam", "name": "Colour consistency (MacAdam steps from the target chromaticity)",
                 "unit": "steps", "kind": "variable", "nominal": 2, "lsl": 0, "usl": 5, "severity": "major"},
                {"code": "duv_offset", "name": "Duv offset", "kind": "variable",
                 "nominal": 0, "lsl": -0.006, "usl": 0.006, "severity": "major"}]}),
        )
        .await;
    let order = app
        .create("/api/v1/orders", json!({"customer_id": customer["id"], "product_id": product["id"], "po_number": "PO-CC-1", "quantity": 500}))
        .await;
    let batch = common::new_batch(&app, order["id"].as_i64().unwrap(), 200).await;
    let (_, units) = common::draw_plan(&app, batch, json!({"method": "percent", "seed": 9})).await;
    let readings: Vec<_> = units
        .iter()
        .enumerate()
        .flat_map(|(i, u)| {
            let wobble = (i as f64 * 0.7).sin();
            [
                json!({"unit": u, "characteristic": "mcadam", "value": 2.2 + wobble}),
                json!({"unit": u, "characteristic": "duv_offset", "value": -0.0021 + 0.0011 * wobble}),
            ]
        })
        .collect();
    common::record_readings(&app, batch, readings).await;
    let (status, pdf) = bytes(
        &app,
        &format!("/api/v1/orders/{}/report.pdf?draft=true", order["id"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let file = scratch(&format!("results-{backend:?}.pdf"));
    std::fs::write(&file, &pdf).unwrap();
    let text = pdf_text(&file);
    assert!(!text.contains('…'), "nothing is cut short:\n{text}");
    let (_, stats) = app
        .get(&format!("/api/v1/batches/{batch}/statistics"))
        .await;
    for (name_start, code) in [
        ("Colour consistency", "mcadam"),
        ("Duv offset", "duv_offset"),
    ] {
        let api = stats["characteristics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap();
        let row = results_row(&text, name_start);
        let value = |i: usize| row[i].parse::<f64>().unwrap_or_else(|_| panic!("{row:?}"));
        assert_eq!(row[0], api["n"].to_string(), "n of {code}: {row:?}");
        // Printed to a fixed number of places: equal to the API's value
        // within half of the last place printed.
        for (i, field) in [
            (1, "mean"),
            (2, "std_dev"),
            (3, "min"),
            (4, "max"),
            (5, "lsl"),
            (6, "usl"),
        ] {
            let places = row[i].split('.').nth(1).map_or(0, str::len) as i32;
            let api_value = api[field].as_f64().unwrap();
            assert!(
                (value(i) - api_value).abs() <= 0.5 * 10f64.powi(-places) + 1e-12,
                "{field} of {code}: the PDF says {} and the API {api_value}",
                row[i]
            );
        }
        assert_eq!(
            row.last().unwrap(),
            &api["nonconforming"].to_string(),
            "{code}: {row:?}"
        );
    }
    // The long name is there in full, wrapped onto a second line.
    for word in [
        "Colour",
        "consistency",
        "(MacAdam",
        "steps",
        "target",
        "chromaticity)",
    ] {
        assert!(text.contains(word), "{word}:\n{text}");
    }
}
