//! The tables of ISO 2859-1:1999 (identical to ANSI/ASQ Z1.4-2003 for
//! code letters, normal and tightened inspection) as the standards print
//! them: code letters (Table 1) and the single sampling master tables with
//! their arrows (Tables 2-A, 2-B; Z1.4 Table II-C for reduced inspection).
//!
//! Each master-table row is one code letter, then one cell per AQL column
//! of [`AQLS`]: `Ac/Re`, `v` (use the first plan below the arrow) or `^`
//! (the first plan above). Following an arrow changes the sample size and
//! the acceptance and rejection numbers together. `tests/iso2859_tables.rs`
//! checks every cell, arrows resolved, against a published copy.

/// AQL columns, in percent nonconforming (up to 10) or nonconformities
/// per hundred units.
pub const AQLS: [f64; 26] = [
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10.0,
    15.0, 25.0, 40.0, 65.0, 100.0, 150.0, 250.0, 400.0, 650.0, 1000.0,
];

/// Lot-size ranges of Table 1 (the last is open-ended).
pub const LOT_SIZE_RANGES: [(u32, u32); 15] = [
    (2, 8),
    (9, 15),
    (16, 25),
    (26, 50),
    (51, 90),
    (91, 150),
    (151, 280),
    (281, 500),
    (501, 1200),
    (1201, 3200),
    (3201, 10000),
    (10001, 35000),
    (35001, 150000),
    (150001, 500000),
    (500001, u32::MAX),
];

/// Table 1: sample size code letters by lot-size range (rows) and
/// inspection level (columns S-1, S-2, S-3, S-4, I, II, III).
pub const CODE_LETTERS: [&str; 15] = [
    "A A A A A A B",
    "A A A A A B C",
    "A A B B B C D",
    "A B B C C D E",
    "B B C C C E F",
    "B B C D D F G",
    "B C D E E G H",
    "B C D E F H J",
    "C C E F G J K",
    "C D E G H K L",
    "C D F G J L M",
    "C D F H K M N",
    "D E G J L N P",
    "D E G J M P Q",
    "D E H K N Q R",
];

/// Code letters in table order (I and O are not used); S exists only in
/// the tightened table, reached by arrows from R.
pub const LETTERS: [char; 17] = [
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P', 'Q', 'R', 'S',
];

/// Sample sizes of normal and tightened inspection, by code letter A..S.
pub const SAMPLE_SIZES: [u32; 17] = [
    2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000, 3150,
];

/// Sample sizes of reduced inspection (ANSI/ASQ Z1.4-2003 Table II-C), A..R.
pub const REDUCED_SAMPLE_SIZES: [u32; 16] = [
    2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800,
];

/// Table 2-A: single sampling plans for normal inspection.
#[rustfmt::skip]
pub const NORMAL: [&str; 16] = [
    "A     v     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31",
    "B     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45",
    "C     v     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^",
    "D     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^",
    "E     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^     ^",
    "F     v     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^",
    "G     v     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^",
    "H     v     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^",
    "J     v     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "K     v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "L     v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "M     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "N     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "P     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "Q   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "R     ^     ^   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
];

/// Table 2-B: single sampling plans for tightened inspection (with row S).
#[rustfmt::skip]
pub const TIGHTENED: [&str; 17] = [
    "A     v     v     v     v     v     v     v     v     v     v     v     v     v     v     v     v     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28",
    "B     v     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42",
    "C     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^",
    "D     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^     ^",
    "E     v     v     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^     ^     ^",
    "F     v     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^",
    "G     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^",
    "H     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^",
    "J     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "K     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "L     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "M     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "N     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "P     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "Q     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "R   0/1     ^     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "S     ^     ^   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
];

/// ANSI/ASQ Z1.4-2003 Table II-C: single sampling plans for reduced inspection
/// (the Z1.4 form, with a gap between Ac and Re).
#[rustfmt::skip]
pub const REDUCED: [&str; 16] = [
    "A     v     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31",
    "B     v     v     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   2/4   3/5   5/6   7/8 10/11 14/15 21/22     ^",
    "C     v     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ^",
    "D     v     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ^     ^",
    "E     v     v     v     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ^     ^     ^",
    "F     v     v     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^",
    "G     v     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^",
    "H     v     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^",
    "J     v     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "K     v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "L     v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "M     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "N     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "P     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "Q   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
    "R     ^     ^   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^",
];
