//! The rules on small, hand-made neighbourhoods: what each kind of evidence does to a
//! building, where gaps are found and where never, and that input order does not matter.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use analysis::{classify, AnalysisConfig};
use chrono::NaiveDate;
use geo::{polygon, MultiPolygon};
use model::facts::{
    AddressFacts, BuildingFacts, Coverage, Finding, Medium, Meter, Override, ParcelFacts,
    Residents, Survey,
};
use model::{BuildingFunction, LandUseClass, VacancyClass};
use proptest::prelude::*;

const ALL: Coverage = Coverage {
    residents: true,
    electricity: true,
    water: true,
};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn id(n: i64) -> model::AlkisId {
    format!("DETHL5{n:010}").parse().unwrap()
}

fn residents(bands: [u16; 4]) -> Option<Residents> {
    Some(Residents {
        reference_date: day("2025-12-31"),
        bands,
        secondary: 0,
        last_change: None,
    })
}

fn meters(kwh: f64, m3: f64) -> Vec<Meter> {
    vec![
        Meter {
            medium: Medium::Electricity,
            year: 2025,
            consumption: kwh,
        },
        Meter {
            medium: Medium::Water,
            year: 2025,
            consumption: m3,
        },
    ]
}

fn house(n: i64, function: BuildingFunction, addresses: Vec<AddressFacts>) -> BuildingFacts {
    BuildingFacts {
        id: n,
        alkis_id: id(n),
        function,
        storeys: Some(2),
        dwellings: None,
        footprint_m2: 120.0,
        parcel_id: Some(n),
        addresses,
        surveys: vec![],
        reports: vec![],
        override_class: None,
    }
}

fn address(n: i64, r: Option<Residents>, m: Vec<Meter>) -> AddressFacts {
    AddressFacts {
        address_id: n,
        label: format!("Marktstraße {n}"),
        residents: r,
        meters: m,
    }
}

fn class_of(b: BuildingFacts) -> Option<VacancyClass> {
    let out = classify(&[b], &[], ALL, &AnalysisConfig::default());
    out.buildings.first().map(|v| v.verdict.class)
}

#[test]
fn registered_residents_and_normal_meters_mean_occupied() {
    let b = house(
        1,
        BuildingFunction::Wohnhaus,
        vec![address(1, residents([1, 2, 0, 0]), meters(3200.0, 90.0))],
    );
    assert_eq!(class_of(b), Some(VacancyClass::Occupied));
}

#[test]
fn nobody_registered_and_no_consumption_means_vacant_with_reasons() {
    let b = house(
        1,
        BuildingFunction::Wohnhaus,
        vec![address(1, None, meters(120.0, 1.0))],
    );
    let out = classify(&[b], &[], ALL, &AnalysisConfig::default());
    let v = &out.buildings[0].verdict;
    assert_eq!(v.class, VacancyClass::Vacant);
    assert!(v.confidence.value() > 0.8, "{:?}", v.confidence);
    let text: Vec<&str> = v.evidence.iter().map(|e| e.summary.as_str()).collect();
    assert!(
        text.iter().any(|t| t.contains("no resident registered")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("electricity 120 kWh in 2025")),
        "{text:?}"
    );
    let sum: f64 = v.evidence.iter().map(|e| e.contribution).sum();
    assert!(
        (sum - v.score).abs() < 1e-9,
        "the score is the sum of the contributions"
    );
}

#[test]
fn garages_and_barns_get_no_building_verdict() {
    for f in [
        BuildingFunction::Garage,
        BuildingFunction::Scheune,
        BuildingFunction::Gartenhaus,
    ] {
        assert_eq!(
            class_of(house(1, f, vec![address(1, None, meters(0.0, 0.0))])),
            None,
            "{f:?}"
        );
    }
}

#[test]
fn everybody_75_plus_is_a_risk() {
    let b = house(
        1,
        BuildingFunction::Wohnhaus,
        vec![address(1, residents([0, 0, 0, 2]), meters(1800.0, 40.0))],
    );
    assert_eq!(class_of(b), Some(VacancyClass::Risk));
    let mixed = house(
        1,
        BuildingFunction::Wohnhaus,
        vec![address(1, residents([0, 1, 0, 1]), meters(1800.0, 40.0))],
    );
    assert_eq!(class_of(mixed), Some(VacancyClass::Occupied));
}

#[test]
fn a_recent_survey_outweighs_the_registers_and_an_old_one_fades() {
    let mut b = house(
        1,
        BuildingFunction::Wohnhaus,
        vec![address(1, residents([0, 1, 0, 0]), vec![])],
    );
    b.surveys.push(Survey {
        surveyed_on: day("2025-10-01"),
        finding: Finding::Vacant,
        dwellings: Some(1),
        vacant_dwellings: Some(1),
        note: "windows boarded".into(),
    });
    assert_eq!(class_of(b.clone()), Some(VacancyClass::Vacant));
    b.surveys[0].surveyed_on = day("2012-05-01");
    assert_ne!(class_of(b), Some(VacancyClass::Vacant));
}

#[test]
fn some_addresses_empty_is_partly_vacant() {
    let b = house(
        1,
        BuildingFunction::Wohnhaus,
        vec![
            address(1, residents([0, 2, 0, 0]), meters(2500.0, 60.0)),
            address(2, None, meters(50.0, 0.5)),
        ],
    );
    assert_eq!(class_of(b), Some(VacancyClass::PartlyVacant));
}

#[test]
fn a_planner_override_is_final() {
    let mut b = house(
        1,
        BuildingFunction::Wohnhaus,
        vec![address(1, residents([0, 2, 0, 0]), meters(2500.0, 60.0))],
    );
    b.override_class = Some(Override {
        class: VacancyClass::Vacant,
        author: "Planerin A".into(),
        note: "Eigentümer bestätigt Leerstand".into(),
        on: day("2025-11-01"),
    });
    let out = classify(&[b], &[], ALL, &AnalysisConfig::default());
    assert_eq!(out.buildings[0].verdict.class, VacancyClass::Vacant);
    assert_eq!(out.buildings[0].verdict.confidence.value(), 1.0);
}

#[test]
fn without_a_register_absence_is_no_evidence() {
    let b = house(
        1,
        BuildingFunction::Wohnhaus,
        vec![address(1, None, vec![])],
    );
    let out = classify(&[b], &[], Coverage::default(), &AnalysisConfig::default());
    assert_eq!(out.buildings[0].verdict.class, VacancyClass::Unknown);
}

// ---- plots -------------------------------------------------------------------------------

/// A block of `cols` × 2 parcels of 20 m × 40 m with a street parcel along the south side.
/// `empty` lists the parcels (by index) without a house.
fn block(cols: usize, empty: &[usize]) -> (Vec<ParcelFacts>, Vec<BuildingFacts>) {
    let mut parcels = Vec::new();
    let mut buildings = Vec::new();
    let street_len = cols as f64 * 20.0;
    parcels.push(ParcelFacts {
        id: 1000,
        alkis_id: id(1000),
        ags: None,
        district_id: None,
        outline: MultiPolygon(vec![polygon![(x: 0.0, y: -10.0), (x: street_len, y: -10.0), (x: street_len, y: 0.0), (x: 0.0, y: 0.0)]]),
        area_m2: street_len * 10.0,
        land_use: Some(LandUseClass::Strassenverkehr),
        out_of_operation: false,
        override_class: None,
    });
    for row in 0..2 {
        for col in 0..cols {
            let i = row * cols + col;
            let (x0, y0) = (col as f64 * 20.0, row as f64 * 40.0);
            parcels.push(ParcelFacts {
                id: i as i64,
                alkis_id: id(i as i64),
                ags: None,
                district_id: None,
                outline: MultiPolygon(vec![polygon![(x: x0, y: y0), (x: x0 + 20.0, y: y0), (x: x0 + 20.0, y: y0 + 40.0), (x: x0, y: y0 + 40.0)]]),
                area_m2: 800.0,
                land_use: Some(LandUseClass::Wohnbauflaeche),
                out_of_operation: false,
                override_class: None,
            });
            if !empty.contains(&i) {
                let mut b = house(
                    i as i64,
                    BuildingFunction::Wohnhaus,
                    vec![address(
                        i as i64,
                        residents([0, 2, 0, 0]),
                        meters(3000.0, 80.0),
                    )],
                );
                b.id = 10_000 + i as i64;
                buildings.push(b);
            }
        }
    }
    (parcels, buildings)
}

fn classes(parcels: &[ParcelFacts], buildings: &[BuildingFacts]) -> Vec<(i64, VacancyClass)> {
    classify(buildings, parcels, ALL, &AnalysisConfig::default())
        .parcels
        .iter()
        .map(|p| (p.parcel_id, p.verdict.class))
        .collect()
}

#[test]
fn an_empty_plot_between_houses_on_a_street_is_a_gap() {
    let (parcels, buildings) = block(5, &[2]);
    assert_eq!(
        classes(&parcels, &buildings),
        vec![(2, VacancyClass::BuildingGap)]
    );
}

#[test]
fn an_empty_plot_without_street_or_built_neighbours_is_no_gap() {
    // Index 7 is in the back row: no street; all of row 0 empty: no built neighbours.
    let (parcels, buildings) = block(5, &[7]);
    assert!(classes(&parcels, &buildings).is_empty());
    let (parcels, buildings) = block(3, &[0, 1, 2, 3, 4, 5]);
    assert!(classes(&parcels, &buildings).is_empty());
}

#[test]
fn commercial_land_without_use_is_a_brownfield() {
    let (mut parcels, buildings) = block(5, &[2]);
    parcels[3].land_use = Some(LandUseClass::IndustrieUndGewerbeflaeche);
    assert_eq!(
        classes(&parcels, &buildings),
        vec![(2, VacancyClass::Brownfield)]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn gaps_never_hold_a_main_building_and_order_does_not_matter(
        empty in proptest::collection::btree_set(0usize..12, 0..8),
        seed in any::<u64>(),
    ) {
        let empty: Vec<usize> = empty.into_iter().collect();
        let (parcels, buildings) = block(6, &empty);
        let found = classes(&parcels, &buildings);
        for (id, class) in &found {
            if *class == VacancyClass::BuildingGap {
                prop_assert!(empty.contains(&(*id as usize)), "gap on built parcel {id}");
            }
        }
        // Shuffle both inputs deterministically and compare.
        let mut p2 = parcels.clone();
        let mut b2 = buildings.clone();
        let mut state = seed | 1;
        let mut next = || { state ^= state << 13; state ^= state >> 7; state ^= state << 17; state };
        for i in (1..p2.len()).rev() { let j = (next() % (i as u64 + 1)) as usize; p2.swap(i, j); }
        for i in (1..b2.len()).rev() { let j = (next() % (i as u64 + 1)) as usize; b2.swap(i, j); }
        prop_assert_eq!(classes(&p2, &b2), found);
    }
}
