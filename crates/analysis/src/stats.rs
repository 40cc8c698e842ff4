//! Statistics per town and district, with the privacy flag: an aggregate over fewer than
//! five addresses is not for the public.

use std::collections::BTreeMap;

use model::{Ags, VacancyClass, MIN_PUBLIC_ADDRESSES};
use serde::Serialize;

use crate::building::BuildingVerdict;
use crate::config::ForecastParams;
use crate::forecast::expected_vacancies;
use crate::plot::ParcelVerdict;

/// Figures for one town (district `None`) or one district.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AreaStats {
    pub ags: Option<Ags>,
    pub district_id: Option<i64>,
    /// Buildings with dwellings or business units.
    pub buildings: usize,
    pub addresses: usize,
    pub dwellings: u32,
    pub vacant_dwellings: u32,
    pub vacant: usize,
    pub partly_vacant: usize,
    pub risk: usize,
    pub unknown: usize,
    /// Vacant dwellings / dwellings.
    pub vacancy_rate: f64,
    pub gaps: usize,
    pub gap_area_ha: f64,
    pub potential_dwellings: f64,
    pub brownfields: usize,
    pub brownfield_area_ha: f64,
    pub underused: usize,
    /// Expected new vacancies within 5 and 10 years (see `forecast`).
    pub forecast_5y: f64,
    pub forecast_10y: f64,
    /// Whether the figures may be published: they cover at least five addresses.
    pub public: bool,
}

/// Where a building or parcel lies: town and district.
pub trait Locate {
    fn locate_parcel(&self, parcel_id: i64) -> (Option<Ags>, Option<i64>);
}

impl<F: Fn(i64) -> (Option<Ags>, Option<i64>)> Locate for F {
    fn locate_parcel(&self, parcel_id: i64) -> (Option<Ags>, Option<i64>) {
        self(parcel_id)
    }
}

type Areas = BTreeMap<(Option<Ags>, Option<i64>), AreaStats>;

/// Applies `f` to the figures of the town and, where known, of the district.
fn add(areas: &mut Areas, ags: Option<Ags>, district: Option<i64>, f: impl Fn(&mut AreaStats)) {
    let keys = std::iter::once((ags, None)).chain(district.map(|d| (ags, Some(d))));
    for key in keys {
        f(areas.entry(key).or_insert_with(|| AreaStats {
            ags: key.0,
            district_id: key.1,
            ..AreaStats::default()
        }));
    }
}

/// Sums the verdicts per town and per district. Towns come first, each followed by its
/// districts; everything sorted by key.
pub fn summarise(
    buildings: &[BuildingVerdict],
    parcels: &[ParcelVerdict],
    locate: &impl Locate,
    forecast: &ForecastParams,
) -> Vec<AreaStats> {
    let mut areas = Areas::new();
    for b in buildings {
        let (ags, district) = b
            .parcel_id
            .map_or((None, None), |p| locate.locate_parcel(p));
        let class = b.verdict.class;
        let occupied_now = matches!(class, VacancyClass::Occupied | VacancyClass::Risk);
        let (f5, f10) = if occupied_now {
            (
                expected_vacancies(b.resident_bands, 5.0, forecast),
                expected_vacancies(b.resident_bands, 10.0, forecast),
            )
        } else {
            (0.0, 0.0)
        };
        add(&mut areas, ags, district, |s| {
            s.buildings += 1;
            s.addresses += b.addresses;
            s.dwellings += u32::from(b.dwellings);
            s.vacant_dwellings += u32::from(b.vacant_dwellings);
            match class {
                VacancyClass::Vacant => s.vacant += 1,
                VacancyClass::PartlyVacant => s.partly_vacant += 1,
                VacancyClass::Risk => s.risk += 1,
                VacancyClass::Unknown => s.unknown += 1,
                _ => {}
            }
            s.forecast_5y += f5;
            s.forecast_10y += f10;
        });
    }
    for p in parcels {
        let (ags, district) = locate.locate_parcel(p.parcel_id);
        let ha = p.area_m2 / 10_000.0;
        add(&mut areas, ags, district, |s| match p.verdict.class {
            VacancyClass::BuildingGap => {
                s.gaps += 1;
                s.gap_area_ha += ha;
                s.potential_dwellings += p.potential_dwellings;
            }
            VacancyClass::Brownfield => {
                s.brownfields += 1;
                s.brownfield_area_ha += ha;
            }
            VacancyClass::Underused => s.underused += 1,
            _ => {}
        });
    }
    let mut out: Vec<AreaStats> = areas.into_values().collect();
    for s in &mut out {
        s.vacancy_rate = if s.dwellings > 0 {
            f64::from(s.vacant_dwellings) / f64::from(s.dwellings)
        } else {
            0.0
        };
        s.public = s.addresses >= MIN_PUBLIC_ADDRESSES;
    }
    out
}
