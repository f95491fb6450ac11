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
    let point = Xy {
        x: 0.4608,
        y: 0.4115,
    };
    c.bench_function("cct_duv + ANSI quadrangle (one unit)", |b| {
        b.iter(|| ansi_quadrangle(cct_duv(black_box(point)).unwrap()))
    });
}

criterion_group!(benches, draw, statistics, plan_risk, colour);
criterion_main!(benches);
