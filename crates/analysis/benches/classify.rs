//! Classification kernel on a synthetic town: rows of 20 m × 40 m plots along streets, most
//! with a house and register facts, some empty. Measures the pure-Rust part of `analyze`:
//! classifying, and finding each plot's land use.

use analysis::land_use::{LandUseArea, LandUseIndex};
use analysis::{classify, AnalysisConfig};
use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use geo::{polygon, InteriorPoint, MultiPolygon, Point};
use model::facts::{AddressFacts, BuildingFacts, Coverage, Medium, Meter, ParcelFacts, Residents};
use model::{AlkisId, BuildingFunction, LandUseClass};

fn id(n: i64) -> AlkisId {
    format!("DETHL5{n:010}")
        .parse()
        .unwrap_or_else(|_| unreachable!())
}

fn rect(x: f64, y: f64, w: f64, h: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![
        polygon![(x: x, y: y), (x: x + w, y: y), (x: x + w, y: y + h), (x: x, y: y + h)],
    ])
}

fn town(plots: usize) -> (Vec<ParcelFacts>, Vec<BuildingFacts>) {
    let per_row = 50;
    let mut parcels = Vec::with_capacity(plots + plots / per_row);
    let mut buildings = Vec::with_capacity(plots);
    let date = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default();
    for i in 0..plots {
        let (row, col) = (i / per_row, i % per_row);
        let (x, y) = (col as f64 * 20.0, row as f64 * 50.0);
        if col == 0 {
            let street = (plots + row) as i64;
            parcels.push(ParcelFacts {
                id: street,
                alkis_id: id(street),
                ags: None,
                district_id: None,
                outline: rect(0.0, y - 10.0, per_row as f64 * 20.0, 10.0),
                area_m2: per_row as f64 * 200.0,
                land_use: Some(LandUseClass::Strassenverkehr),
                out_of_operation: false,
                override_class: None,
            });
        }
        parcels.push(ParcelFacts {
            id: i as i64,
            alkis_id: id(i as i64),
            ags: None,
            district_id: None,
            outline: rect(x, y, 20.0, 40.0),
            area_m2: 800.0,
            land_use: Some(LandUseClass::Wohnbauflaeche),
            out_of_operation: false,
            override_class: None,
        });
        if i % 17 != 3 {
            let vacant = i % 13 == 0;
            buildings.push(BuildingFacts {
                id: i as i64,
                alkis_id: id(10_000_000 + i as i64),
                function: BuildingFunction::Wohnhaus,
                storeys: Some(2),
                dwellings: None,
                footprint_m2: 120.0,
                parcel_id: Some(i as i64),
                addresses: vec![AddressFacts {
                    address_id: i as i64,
                    label: format!("Lange Straße {col}"),
                    residents: (!vacant).then_some(Residents {
                        reference_date: date,
                        bands: [1, 2, 0, (i % 5 == 0) as u16],
                        secondary: 0,
                        last_change: None,
                    }),
                    meters: vec![
                        Meter {
                            medium: Medium::Electricity,
                            year: 2025,
                            consumption: if vacant { 80.0 } else { 3100.0 },
                        },
                        Meter {
                            medium: Medium::Water,
                            year: 2025,
                            consumption: if vacant { 0.5 } else { 95.0 },
                        },
                    ],
                }],
                surveys: vec![],
                reports: vec![],
                override_class: None,
            });
        }
    }
    (parcels, buildings)
}

fn bench(c: &mut Criterion) {
    let coverage = Coverage {
        residents: true,
        electricity: true,
        water: true,
    };
    let config = AnalysisConfig::default();
    let mut group = c.benchmark_group("classify");
    group.sample_size(10);
    for plots in [10_000usize, 100_000] {
        let (parcels, buildings) = town(plots);
        group.throughput(Throughput::Elements(plots as u64));
        group.bench_with_input(BenchmarkId::from_parameter(plots), &plots, |b, _| {
            b.iter(|| classify(&buildings, &parcels, coverage, &config));
        });
    }
    group.finish();
}

/// The land use of each plot: one land-use block per street row (the plots and the street
/// next to it), looked up at the plots' inner points.
fn land_use(c: &mut Criterion) {
    let mut group = c.benchmark_group("land_use");
    group.sample_size(10);
    for plots in [10_000usize, 100_000] {
        let (parcels, _) = town(plots);
        let rows = plots.div_ceil(50);
        let areas: Vec<LandUseArea> = (0..rows)
            .map(|row| LandUseArea {
                id: row as i64,
                class: "AX_Wohnbauflaeche".to_owned(),
                zustand: None,
                outline: rect(0.0, row as f64 * 50.0 - 10.0, 1000.0, 50.0),
            })
            .collect();
        let points: Vec<Option<Point<f64>>> =
            parcels.iter().map(|p| p.outline.interior_point()).collect();
        group.throughput(Throughput::Elements(plots as u64));
        group.bench_with_input(BenchmarkId::from_parameter(plots), &plots, |b, _| {
            b.iter(|| LandUseIndex::new(&areas).locate_all(&points));
        });
    }
    group.finish();
}

criterion_group!(benches, bench, land_use);
criterion_main!(benches);
