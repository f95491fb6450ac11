//! The README's description of the draw is complete: an independent Python
//! implementation written from it (`scripts/draw_reference.py`, on the
//! `cryptography` package's ChaCha20) draws the same units as the service
//! for seeds and lot sizes it has never seen.

use lotcheck::domain::sampling::{draw_units, Percent, Seed};
use rand::Rng;
use std::process::Command;

pub fn python_reference_draws_the_same_units() {
    let mut rng = rand::rng();
    let mut cases: Vec<(u64, u32, u32)> =
        vec![(0, 1, 1), (Seed::MAX, 3, 3), (12345, 10_000_000, 20)];
    for _ in 0..12 {
        let lot = rng.random_range(1..=20_000);
        cases.push((
            rng.random_range(0..=Seed::MAX),
            lot,
            Percent::DEFAULT.sample_size(lot),
        ));
    }
    for (seed, lot, n) in cases {
        let out = Command::new(crate::harness::python())
            .args([
                "scripts/draw_reference.py",
                &seed.to_string(),
                &lot.to_string(),
                &n.to_string(),
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run the reference");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected: Vec<u32> = String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .split(',')
            .map(|u| u.parse().unwrap())
            .collect();
        let ours = draw_units(Seed::parse(seed as i64).unwrap(), lot, n);
        assert_eq!(ours, expected, "seed {seed}, lot {lot}, n {n}");
    }
}
