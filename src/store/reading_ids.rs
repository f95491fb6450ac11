//! The public id of a reading stored without a client id, derived from
//! its row id.
//!
//! A reading recorded through the API with an id is stored under its
//! client's UUID. An imported reading has no client, and a client may send
//! a reading without an id: such a reading is stored without one (its
//! `uuid` column NULL, taking no entry in the unique index of client ids)
//! and answered under a UUID that encodes its row id, so that a file of
//! 600,000 readings writes neither 600,000 ids of 36 characters nor their
//! index entries, and a recording request six fewer (migration 000023).
//!
//! The form is RFC 9562's version 8 ("custom", section 5.8), laid out as
//! `6c6f7463-686b-8000-8…` followed by the row id: the first six bytes are
//! the ASCII of "lotchk", the version nibble 8, the next twelve bits zero,
//! and the 64 bits after the variant's two bits the row id (below 2^62).
//! Clients may not take ids of this form for their own records
//! ([`is_derived`]), so a derived id names one reading and nothing else.
//! (A reading stored under such an id before that rule, by chance, is
//! still found by its text.) A derived id tells its row id, hence roughly
//! how many readings the site has stored; access to a reading is checked
//! by its batch whatever its id. A row id, hence a derived id, is never
//! given to a second reading because readings are never deleted: SQLite
//! gives a new row the largest id plus one (the table has no
//! AUTOINCREMENT since migration 000024), PostgreSQL its sequence's next.

use uuid::Uuid;

/// "lotchk": the six bytes that mark a derived id.
const MARKER: [u8; 6] = *b"lotchk";

/// Row ids a derived id can carry: below 2^62, beside the variant's bits.
const ROW_ID_BITS: u64 = (1 << 62) - 1;

/// The public id of the reading with this row id, stored without one.
pub fn derived_uuid(row_id: i64) -> Uuid {
    let id = u64::try_from(row_id).expect("row ids are positive") & ROW_ID_BITS;
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&MARKER);
    bytes[8..].copy_from_slice(&id.to_be_bytes());
    // Sets the version nibble (8) and the variant's two bits (0b10).
    Uuid::new_v8(bytes)
}

/// A reading's public id: its client's, or the one derived from its row id
/// when it was stored without one.
pub fn public_uuid(row_id: i64, stored: Option<String>) -> String {
    stored.unwrap_or_else(|| derived_uuid(row_id).to_string())
}

/// The row id a derived id carries; `None` for any other UUID.
pub fn row_id_of(uuid: &Uuid) -> Option<i64> {
    let bytes = uuid.as_bytes();
    let marked = bytes[..6] == MARKER && bytes[6] == 0x80 && bytes[7] == 0;
    let variant = bytes[8] >> 6 == 0b10;
    if !(marked && variant) {
        return None;
    }
    let id = u64::from_be_bytes(bytes[8..].try_into().expect("eight bytes")) & ROW_ID_BITS;
    i64::try_from(id).ok().filter(|id| *id > 0)
}

/// Whether an id has the form of a derived one, which clients may not take.
pub fn is_derived(uuid: &Uuid) -> bool {
    row_id_of(uuid).is_some()
}

/// The row ids that the derived ids among `uuids` carry (the others are
/// clients' ids, or text that is no UUID at all).
pub fn derived_row_ids(uuids: &[String]) -> Vec<i64> {
    uuids
        .iter()
        .filter_map(|text| Uuid::parse_str(text).ok().as_ref().and_then(row_id_of))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::{Variant, Version};

    /// RFC 9562, section 5.8: a version 8 UUID has the version nibble 8
    /// and the RFC's variant; the uuid crate's parser reads both back.
    #[test]
    fn a_derived_id_is_an_rfc_9562_version_8_uuid_marked_lotchk() {
        let id = derived_uuid(12_345);
        let parsed = Uuid::parse_str(&id.to_string()).unwrap();
        assert_eq!(parsed.get_version(), Some(Version::Custom));
        assert_eq!(parsed.get_variant(), Variant::RFC4122);
        assert_eq!(&parsed.as_bytes()[..6], b"lotchk");
        // 12,345 is 0x3039, after the variant's bits (0b10) in the ninth byte.
        assert_eq!(id.to_string(), "6c6f7463-686b-8000-8000-000000003039");
    }

    #[test]
    fn a_derived_id_gives_back_its_row_id() {
        for row_id in [
            1,
            2,
            255,
            65_536,
            600_001,
            i64::from(u32::MAX) + 7,
            (1 << 62) - 1,
        ] {
            assert_eq!(row_id_of(&derived_uuid(row_id)), Some(row_id), "{row_id}");
        }
    }

    #[test]
    fn clients_ids_are_not_taken_for_derived_ones() {
        for client in [Uuid::new_v4(), Uuid::now_v7(), Uuid::nil(), Uuid::max()] {
            assert_eq!(row_id_of(&client), None, "{client}");
        }
        // A version 8 id of another maker is not ours either.
        assert_eq!(row_id_of(&Uuid::new_v8(*b"another maker id")), None);
        assert!(is_derived(&derived_uuid(3)));
    }

    #[test]
    fn a_stored_id_is_answered_before_a_derived_one() {
        let client = Uuid::new_v4().to_string();
        assert_eq!(public_uuid(9, Some(client.clone())), client);
        assert_eq!(public_uuid(9, None), derived_uuid(9).to_string());
    }

    #[test]
    fn only_derived_ids_give_row_ids() {
        let client = Uuid::now_v7().to_string();
        let given = [
            derived_uuid(41).to_string(),
            client,
            "not a uuid".to_string(),
        ];
        assert_eq!(derived_row_ids(&given), vec![41]);
    }
}
