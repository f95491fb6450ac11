//! A realistic demo: two brand customers, an ODM bulb and a shared spot
//! design with their templates, orders in several batches, plans drawn and
//! readings recorded, so every page and report has data. Loaded through the
//! same use cases as the API, so it obeys every rule a client does.
//!
//! A layer above `service`, used only by the binary (`serve --demo`):
//! [`data`] describes the demo, `load` stores it, `simulate` stands in for
//! the instruments and the inspectors.

pub mod data;
mod load;
mod simulate;

use crate::error::AppResult;
use crate::store::DbConnection;
use load::{Catalogue, Tally};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

pub use data::LOGINS as DEMO_LOGINS;

/// Loads the demo's customers, products, defect catalogue and orders, once:
/// nothing is stored when the first demo customer exists. Answers a summary.
pub fn load(conn: &mut DbConnection) -> AppResult<String> {
    if load::customer_ids(conn)?.contains_key(data::CUSTOMERS[0]) {
        return Ok("demo data already present".into());
    }
    let actor = load::loader();
    let customers = load::customers(conn, &actor)?;
    let products = load::products(conn, &actor, &customers)?;
    let catalogue = Catalogue {
        customers,
        products,
    };
    load::defect_types(conn, &actor)?;
    let mut rng = ChaCha20Rng::seed_from_u64(data::SEED);
    let mut tally = Tally::default();
    for order in data::ORDERS {
        tally += load::order(conn, &actor, &mut rng, order, &catalogue)?;
    }
    Ok(format!(
        "demo data loaded: {} customers, {} products, {} orders, {} batches, \
         {} readings, {} visual inspections",
        data::CUSTOMERS.len(),
        data::PRODUCTS.len(),
        data::ORDERS.len(),
        tally.batches,
        tally.readings,
        tally.inspections
    ))
}

/// Creates the demo users that are missing; answers the logins to print.
pub fn ensure_demo_users(conn: &mut DbConnection) -> AppResult<Vec<String>> {
    load::users(conn, &load::loader())
}

/// The lead's decisions on the first order's inspected batches and the
/// first issue of its QC report, so the customer has a report to download
/// (once: skipped, answering an empty line, when the report exists),
/// its times printed in the site's `zone`.
pub fn decide_and_issue(
    conn: &mut DbConnection,
    site: &crate::service::reports::IssueSite,
) -> AppResult<String> {
    Ok(load::sign_off(conn, site)?.unwrap_or_default())
}
