//! Pure-rule hot paths of the spine: drawing a plan's units and describing a
//! batch sample. Run with `cargo bench`; results are recorded in BENCHMARKS.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use lotcheck::domain::sampling::{draw_units, Percent, Seed};
use lotcheck::domain::stats::describe;
use std::hint::black_box;

fn draw(c: &mut Criterion) {
    let mut group = c.benchmark_group("draw_units (10% plan)");
    for lot in [500u32, 10_000, 1_000_000] {
        let n = Percent::DEFAULT.sample_size(lot);
        group.bench_with_input(BenchmarkId::from_parameter(lot), &lot, |b, &lot| {
            b.iter(|| draw_units(black_box(Seed::parse(42).unwrap()), lot, n))
        });
    }
    group.finish();
}

fn statistics(c: &mut Criterion) {
    let values: Vec<f64> = (0..10_000)
        .map(|i| 806.0 + ((i * 7919) % 101) as f64 * 0.37)
        .collect();
    c.bench_function("describe 10,000 readings", |b| {
        b.iter(|| describe(black_box(&values)))
    });
}

fn plan_risk(c: &mut Criterion) {
    use lotcheck::domain::sampling::oc::{AttributePlan, Model};
    let mut group = c.benchmark_group("plan risk (producer, consumer, AOQL; hypergeometric)");
    for (lot, n, accept) in [
        (500u64, 50u64, 0u64),
        (5000, 200, 7),
        (1_000_000, 100_000, 0),
        (500_001, 1250, 21),
    ] {
        let plan = AttributePlan::new(lot, n, accept).unwrap();
        group.bench_function(format!("N={lot} n={n} Ac={accept}"), |b| {
            b.iter(|| {
                (
                    plan.quality_at(0.95, Model::Hypergeometric),
                    plan.quality_at(0.10, Model::Hypergeometric),
                    plan.aoql(Model::Hypergeometric),
                )
            })
        });
    }
    group.finish();
}

fn colour(c: &mut Criterion) {
    use lotcheck::domain::colorimetry::{ansi_quadrangle, cct_duv, Xy};
    use rand::{Rng, SeedableRng};
    // A production batch: 10,000 units spread about a 2700 K target (a few
    // MacAdam steps), each point different.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let batch: std::sync::Arc<Vec<Xy>> = std::sync::Arc::new(
        (0..10_000)
            .map(|_| Xy {
                x: 0.4578 + rng.random_range(-0.004..0.004),
                y: 0.4101 + rng.random_range(-0.003..0.003),
            })
            .collect(),
    );
    let mut group = c.benchmark_group("colour");
    group.sample_size(10);
    // Each run on a new thread: what the thread remembers of the Planckian
    // locus starts empty, as for the first batch a server derives.
    group.bench_function("cct_duv + ANSI quadrangle, batch of 10,000 units", |b| {
        b.iter(|| {
            let batch = batch.clone();
            std::thread::spawn(move || {
                batch
                    .iter()
                    .filter_map(|&p| ansi_quadrangle(cct_duv(black_box(p)).ok()?))
                    .count()
            })
            .join()
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, draw, statistics, plan_risk, colour);
criterion_main!(benches);
