//! Which units of a lot are inspected: a seeded, reproducible draw.
//!
//! An auditor or a customer must be able to re-derive the drawn units from
//! the stored seed for years, on any machine, so the draw is specified here
//! (and in the README) down to the bit rather than delegated to a library's
//! sampling routine, whose output may change between versions:
//!
//! 1. **Key.** The seed `s` (an integer `0 ≤ s < 2^53`, so it survives every
//!    JSON parser) is written as 8 bytes little-endian, followed by 24 zero
//!    bytes: a 32-byte ChaCha20 key.
//! 2. **Word stream.** ChaCha20 (20 rounds; RFC 8439 block function) with
//!    that key, an all-zero nonce and the block counter starting at 0 gives a
//!    keystream; it is read as successive 32-bit little-endian words.
//!    With the all-zero key, the first 32 words are the keystream of RFC 8439
//!    Appendix A.1, test vectors #1 and #2.
//! 3. **Bounded integer.** A uniform integer in `0..m` is drawn by taking the
//!    next word `w`, rejecting it while `w < 2^32 mod m`, and answering
//!    `w mod m` (the rejection step of OpenBSD's `arc4random_uniform`); it
//!    has no modulo bias.
//! 4. **Partial Fisher–Yates.** Start from the list `[1, 2, …, N]` (N = lot
//!    size). For `i = 0, 1, …, n−1` (n = sample size): draw `j = i +
//!    uniform(N − i)`, swap the entries at `i` and `j`; the entry now at `i`
//!    is the i-th drawn unit. The first `n` entries are the sample, in draw
//!    order.

use crate::domain::message::Message;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::collections::HashMap;

/// Stored with every plan, so that a later change of algorithm can never be
/// mistaken for this one.
pub const DRAW_ALGORITHM: &str = "chacha20-fisher-yates-v1";

/// The seed of a draw: `0 ..= 2^53 − 1`, exactly representable as a JSON
/// number in every client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed(u64);

impl Seed {
    pub const MAX: u64 = (1 << 53) - 1;

    pub fn parse(value: i64) -> Result<Self, Message> {
        if (0..=Self::MAX as i64).contains(&value) {
            Ok(Self(value as u64))
        } else {
            Err(Message::new("err-integer-between")
                .arg("min", 0)
                .arg("max", Self::MAX))
        }
    }

    /// A fresh seed from the operating system's generator.
    pub fn random() -> Self {
        Self(rand::random::<u64>() & Self::MAX)
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

fn word_stream(seed: Seed) -> ChaCha20Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.0.to_le_bytes());
    ChaCha20Rng::from_seed(key)
}

/// A uniform integer in `0..bound` (step 3 above). `bound` must be positive.
fn uniform_below(words: &mut impl RngCore, bound: u32) -> u32 {
    debug_assert!(bound > 0);
    let rejected_below = bound.wrapping_neg() % bound; // 2^32 mod bound
    loop {
        let word = words.next_u32();
        if word >= rejected_below {
            return word % bound;
        }
    }
}

/// Draws `sample_size` distinct units out of `1..=lot_size`, in draw order
/// (step 4 above). Only the swapped positions are kept, so memory grows with
/// the sample, not with the lot.
pub fn draw_units(seed: Seed, lot_size: u32, sample_size: u32) -> Vec<u32> {
    assert!(sample_size <= lot_size, "sample larger than the lot");
    let mut words = word_stream(seed);
    let mut moved: HashMap<u32, u32> = HashMap::with_capacity(sample_size as usize);
    let entry_at = |moved: &HashMap<u32, u32>, position: u32| {
        moved.get(&position).copied().unwrap_or(position + 1)
    };
    (0..sample_size)
        .map(|i| {
            let j = i + uniform_below(&mut words, lot_size - i);
            let drawn = entry_at(&moved, j);
            let displaced = entry_at(&moved, i);
            moved.insert(j, displaced);
            drawn
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn seed(value: i64) -> Seed {
        Seed::parse(value).unwrap()
    }

    /// RFC 8439, Appendix A.1, ChaCha20 block function test vectors #1 and #2
    /// (all-zero key and nonce, block counters 0 and 1): the word stream is
    /// the standard ChaCha20 keystream, not a library's private variant.
    #[test]
    fn word_stream_is_rfc8439_keystream() {
        let expected = "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7\
                        da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586\
                        9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed\
                        29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f";
        let mut words = word_stream(seed(0));
        let stream: String = (0..32)
            .flat_map(|_| words.next_u32().to_le_bytes())
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(stream, expected);
    }

    #[test]
    fn bounded_integer_rejects_the_biased_tail() {
        // A stream whose first word lies in the rejected zone 0..(2^32 mod 3) = 0..1.
        struct Words(Vec<u32>);
        impl RngCore for Words {
            fn next_u32(&mut self) -> u32 {
                self.0.remove(0)
            }
            fn next_u64(&mut self) -> u64 {
                unimplemented!()
            }
            fn fill_bytes(&mut self, _: &mut [u8]) {
                unimplemented!()
            }
        }
        let mut words = Words(vec![0, 7]);
        assert_eq!(uniform_below(&mut words, 3), 1); // 0 rejected, 7 mod 3 = 1
        let mut words = Words(vec![u32::MAX]);
        assert_eq!(uniform_below(&mut words, 1 << 31), (1 << 31) - 1);
    }

    /// Pinned test vectors (seed, lot size, sample size → units in draw
    /// order), produced by `scripts/draw_reference.py`: an independent
    /// implementation of the README's description on the `cryptography`
    /// package's ChaCha20. Any change to the draw fails here; the
    /// integration tests also rerun the script on fresh vectors.
    #[test]
    fn pinned_vectors() {
        let vectors: [(i64, u32, u32, &[u32]); 4] = [
            (
                7,
                500,
                50,
                &[
                    322, 429, 175, 75, 372, 348, 412, 310, 344, 282, 88, 315, 476, 82, 243, 239,
                    56, 105, 15, 97, 267, 68, 264, 326, 53, 478, 363, 396, 169, 79, 141, 186, 325,
                    180, 126, 436, 117, 1, 373, 371, 433, 304, 386, 93, 487, 189, 493, 319, 266,
                    19,
                ],
            ),
            (0, 10, 10, &[5, 1, 3, 2, 10, 4, 7, 6, 9, 8]),
            (1, 1, 1, &[1]),
            (
                Seed::MAX as i64,
                1_000_000,
                5,
                &[426598, 936633, 745482, 640483, 891769],
            ),
        ];
        for (s, lot, n, expected) in vectors {
            assert_eq!(
                draw_units(seed(s), lot, n),
                expected,
                "seed {s}, lot {lot}, n {n}"
            );
        }
    }

    #[test]
    fn draws_distinct_units_inside_the_lot() {
        for (s, lot, n) in [
            (3, 50, 5),
            (11, 1000, 1000),
            (99, 7, 7),
            (5, 10_000_000, 1000),
        ] {
            let units = draw_units(seed(s), lot, n);
            assert_eq!(units.len(), n as usize);
            assert_eq!(units.iter().collect::<HashSet<_>>().len(), n as usize);
            assert!(units.iter().all(|&u| (1..=lot).contains(&u)));
        }
    }

    #[test]
    fn same_seed_same_units_other_seed_other_units() {
        assert_eq!(
            draw_units(seed(42), 5000, 500),
            draw_units(seed(42), 5000, 500)
        );
        assert_ne!(
            draw_units(seed(42), 5000, 500),
            draw_units(seed(43), 5000, 500)
        );
    }

    /// Each unit of a lot of 10 drawn alone (n = 1) over 20,000 seeds should
    /// come up about 2,000 times; a chi-square statistic above 27.88 (the
    /// 0.999 quantile for 9 degrees of freedom, NIST/SEMATECH e-Handbook
    /// 1.3.6.7.4) would show bias.
    #[test]
    fn first_draw_is_uniform() {
        let mut counts = [0u32; 10];
        for s in 0..20_000 {
            counts[(draw_units(seed(s), 10, 1)[0] - 1) as usize] += 1;
        }
        let chi_square: f64 = counts
            .iter()
            .map(|&c| (f64::from(c) - 2000.0).powi(2) / 2000.0)
            .sum();
        assert!(
            chi_square < 27.88,
            "chi-square {chi_square}, counts {counts:?}"
        );
    }

    #[test]
    fn seed_bounds() {
        assert!(Seed::parse(-1).is_err());
        assert!(Seed::parse(1 << 53).is_err());
        assert!(Seed::random().get() <= Seed::MAX);
    }
}
