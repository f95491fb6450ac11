//! Pure rules of quality control: no I/O, no database, no HTTP.
//!
//! Everything here is a function of its inputs, so it carries most of the
//! unit tests, each checked against a published source.

pub mod access;
pub mod batch;
pub mod capability;
pub mod colorimetry;
pub mod digest;
pub mod disposition;
pub mod gtin;
pub mod inference;
pub mod language;
pub mod message;
pub mod packing;
pub mod product;
pub mod run_rules;
pub mod sampling;
pub mod spc;
pub mod stats;
pub mod summaries;
pub mod template;
pub mod text;
