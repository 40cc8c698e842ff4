//! Building verdicts: weigh the evidence of registers, meters, surveys, reports and the
//! cadastre into a score, a class and a confidence, keeping every item for the explanation.

use chrono::NaiveDate;
use model::{BuildingUse, Confidence, Evidence, EvidenceSource, Subject, VacancyClass, Verdict};

use crate::config::BuildingRules;
use model::facts::{BuildingFacts, Coverage, Finding, Medium, Survey};

/// The outcome for one building, with the facts the statistics need.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildingVerdict {
    pub building_id: i64,
    pub parcel_id: Option<i64>,
    pub verdict: Verdict,
    /// Estimated dwellings (0 for purely commercial buildings).
    pub dwellings: u16,
    /// Estimated vacant dwellings.
    pub vacant_dwellings: u16,
    pub addresses: usize,
    /// Registered residents by age band, summed over the addresses (for the forecast).
    pub resident_bands: [u32; 4],
}

fn years_between(earlier: NaiveDate, later: NaiveDate) -> f64 {
    (later - earlier).num_days().max(0) as f64 / 365.25
}

fn item(
    source: EvidenceSource,
    on: Option<NaiveDate>,
    contribution: f64,
    summary: String,
) -> Evidence {
    Evidence {
        source,
        observed_on: on,
        contribution,
        summary,
    }
}

/// Classifies one building as of `as_of`; `None` for buildings that cannot stand vacant in
/// the sense of the analysis (garages, barns, sheds, holiday homes).
pub fn classify(
    b: &BuildingFacts,
    coverage: Coverage,
    rules: &BuildingRules,
    as_of: NaiveDate,
) -> Option<BuildingVerdict> {
    let usage = b.function.building_use();
    if !usage.counts_for_vacancy() {
        return None;
    }
    let subject = Subject::Building(b.alkis_id.clone());
    let latest_survey = b
        .surveys
        .iter()
        .filter(|s| s.surveyed_on <= as_of)
        .max_by_key(|s| s.surveyed_on);
    let dwellings = estimate_dwellings(b, usage, latest_survey, rules);
    let mut resident_bands = [0u32; 4];
    for a in &b.addresses {
        if let Some(r) = &a.residents {
            for (sum, band) in resident_bands.iter_mut().zip(r.bands) {
                *sum += u32::from(band);
            }
        }
    }

    let mut evidence = vec![item(
        EvidenceSource::Alkis,
        None,
        0.0,
        format!(
            "{} ({}), {} storeys, {:.0} m² footprint, {} address(es)",
            b.function.name_de().unwrap_or("Gebäude"),
            b.function.code(),
            b.storeys.map_or_else(|| "?".to_owned(), |s| s.to_string()),
            b.footprint_m2,
            b.addresses.len()
        ),
    )];

    if let Some(o) = &b.override_class {
        evidence.push(item(
            EvidenceSource::PlannerOverride,
            Some(o.on),
            0.0,
            format!("set to {} by {}: {}", o.class, o.author, o.note),
        ));
        let verdict =
            Verdict::new(subject, o.class, 0.0, Confidence::new(1.0).ok()?, evidence).ok()?;
        let vacant_dwellings = vacant_dwellings_for(o.class, dwellings, None);
        return Some(BuildingVerdict {
            building_id: b.id,
            parcel_id: b.parcel_id,
            verdict,
            dwellings,
            vacant_dwellings,
            addresses: b.addresses.len(),
            resident_bands,
        });
    }

    let mut sources = 0usize;
    let mut empty_addresses = 0usize;
    let mut lived_in_addresses = 0usize;

    // Residents' register: only where the building has dwellings and the register exists.
    if coverage.residents && usage.has_dwellings() && !b.addresses.is_empty() {
        sources += 1;
        for a in &b.addresses {
            let share = 1.0 / b.addresses.len() as f64;
            match &a.residents {
                Some(r) if r.total() > 0 => {
                    lived_in_addresses += 1;
                    evidence.push(item(
                        EvidenceSource::ResidentsRegister,
                        Some(r.reference_date),
                        rules.residents_present * share,
                        format!("{}: {} resident(s) registered", a.label, r.total()),
                    ));
                }
                Some(r) if r.secondary > 0 => {
                    lived_in_addresses += 1;
                    evidence.push(item(
                        EvidenceSource::ResidentsRegister,
                        Some(r.reference_date),
                        rules.secondary_only * share,
                        format!("{}: only secondary residence(s) registered", a.label),
                    ));
                }
                other => {
                    empty_addresses += 1;
                    let since = other
                        .and_then(|r| r.last_change)
                        .map(|d| format!(" since {d}"))
                        .unwrap_or_default();
                    evidence.push(item(
                        EvidenceSource::ResidentsRegister,
                        other.map(|r| r.reference_date),
                        rules.no_residents * share,
                        format!("{}: no resident registered{since}", a.label),
                    ));
                }
            }
        }
    }

    // Meters: the latest year per address and medium.
    for (medium, covered, low_at, low, normal, source, unit) in [
        (
            Medium::Electricity,
            coverage.electricity,
            rules.electricity_low_kwh,
            rules.electricity_low,
            rules.electricity_normal,
            EvidenceSource::ElectricityMeter,
            "kWh",
        ),
        (
            Medium::Water,
            coverage.water,
            rules.water_low_m3,
            rules.water_low,
            rules.water_normal,
            EvidenceSource::WaterMeter,
            "m³",
        ),
    ] {
        if !covered || b.addresses.is_empty() {
            continue;
        }
        let mut seen = false;
        for a in &b.addresses {
            let Some(latest) = a
                .meters
                .iter()
                .filter(|m| m.medium == medium)
                .max_by_key(|m| m.year)
            else {
                continue;
            };
            seen = true;
            let share = 1.0 / b.addresses.len() as f64;
            let per_address = low_at;
            let (contribution, what) = if latest.consumption < per_address {
                (low * share, "near zero")
            } else {
                (normal * share, "in use")
            };
            evidence.push(item(
                source,
                NaiveDate::from_ymd_opt(latest.year, 12, 31),
                contribution,
                format!(
                    "{}: {} {:.0} {unit} in {} ({what})",
                    a.label,
                    if medium == Medium::Electricity {
                        "electricity"
                    } else {
                        "water"
                    },
                    latest.consumption,
                    latest.year
                ),
            ));
        }
        if seen {
            sources += 1;
        }
    }

    // Field survey: first-hand and dated; the newest counts, fading with age.
    let mut survey_says_partly = false;
    if let Some(s) = latest_survey {
        let age = years_between(s.surveyed_on, as_of);
        let weight = rules.survey * 0.5f64.powf(age / rules.survey_half_life_years);
        let contribution = match s.finding {
            Finding::Vacant | Finding::Demolished => weight,
            Finding::Occupied => -weight,
            Finding::PartlyVacant => {
                survey_says_partly = true;
                -weight * 0.5
            }
            Finding::Unclear => 0.0,
        };
        if s.finding != Finding::Unclear {
            sources += 1;
        }
        evidence.push(item(
            EvidenceSource::FieldSurvey,
            Some(s.surveyed_on),
            contribution,
            format!(
                "survey {}: {}{}",
                s.surveyed_on.format("%Y-%m"),
                finding_text(s.finding),
                if s.note.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", s.note)
                }
            ),
        ));
    }

    // Moderated citizen reports: indirect, capped.
    let mut report_total = 0.0;
    for r in b.reports.iter().filter(|r| r.reported_on <= as_of) {
        let c = rules.report.min(rules.report_cap - report_total).max(0.0);
        report_total += c;
        evidence.push(item(
            EvidenceSource::CitizenReport,
            Some(r.reported_on),
            c,
            format!("citizen report {}: {}", r.reported_on, short(&r.text)),
        ));
    }
    if report_total > 0.0 {
        sources += 1;
    }

    // Several dwellings, people registered, but electricity for only some of them.
    let floor_area = b.footprint_m2 * f64::from(b.storeys.unwrap_or(1).max(1));
    let dwellings_known = b.dwellings.is_some()
        || latest_survey.is_some_and(|s| s.dwellings.is_some())
        || floor_area >= rules.trusted_estimate_floor_area_m2;
    let electricity: Option<f64> = latest_total(b, Medium::Electricity);
    let mut power_for_few = false;
    if let (true, Some(kwh)) = (dwellings_known && dwellings >= 2, electricity) {
        let per_dwelling = kwh / f64::from(dwellings);
        if lived_in_addresses > 0 && per_dwelling < rules.partly_kwh_per_dwelling {
            power_for_few = true;
            evidence.push(item(
                EvidenceSource::ElectricityMeter,
                None,
                0.0,
                format!("electricity {kwh:.0} kWh for {dwellings} dwellings: {per_dwelling:.0} kWh each"),
            ));
        }
    }

    let score: f64 = evidence.iter().map(|e| e.contribution).sum();
    let mixed_addresses = (empty_addresses > 0 && lived_in_addresses > 0) || power_for_few;
    let class = if score >= rules.vacant_at {
        VacancyClass::Vacant
    } else if survey_says_partly || mixed_addresses {
        VacancyClass::PartlyVacant
    } else if score <= rules.occupied_at {
        let total: u32 = resident_bands.iter().sum();
        if total > 0 && resident_bands[3] == total {
            evidence.push(item(
                EvidenceSource::ResidentsRegister,
                None,
                0.0,
                format!("all {total} registered resident(s) are 75 or older"),
            ));
            VacancyClass::Risk
        } else {
            VacancyClass::Occupied
        }
    } else {
        VacancyClass::Unknown
    };

    let confidence = confidence_of(score, sources, rules);
    let vacant_dwellings = vacant_dwellings_for(class, dwellings, latest_survey);
    let verdict = Verdict::new(
        subject,
        class,
        score,
        Confidence::new(confidence).ok()?,
        evidence,
    )
    .ok()?;
    Some(BuildingVerdict {
        building_id: b.id,
        parcel_id: b.parcel_id,
        verdict,
        dwellings,
        vacant_dwellings,
        addresses: b.addresses.len(),
        resident_bands,
    })
}

/// Sum over the addresses of the latest year's consumption of `medium`.
fn latest_total(b: &BuildingFacts, medium: Medium) -> Option<f64> {
    let mut total = None;
    for a in &b.addresses {
        if let Some(m) = a
            .meters
            .iter()
            .filter(|m| m.medium == medium)
            .max_by_key(|m| m.year)
        {
            *total.get_or_insert(0.0) += m.consumption;
        }
    }
    total
}

/// Distance from the undecided middle, discounted when few independent sources agree.
fn confidence_of(score: f64, sources: usize, rules: &BuildingRules) -> f64 {
    let middle = (rules.vacant_at + rules.occupied_at) / 2.0;
    let strength = 1.0 - (-(score - middle).abs()).exp();
    let coverage = match sources {
        0 => 0.2,
        1 => 0.6,
        2 => 0.85,
        _ => 1.0,
    };
    (strength * coverage).clamp(0.0, 1.0)
}

fn estimate_dwellings(
    b: &BuildingFacts,
    usage: BuildingUse,
    survey: Option<&Survey>,
    rules: &BuildingRules,
) -> u16 {
    if !usage.has_dwellings() {
        return 0;
    }
    if let Some(d) = b.dwellings.or_else(|| survey.and_then(|s| s.dwellings)) {
        return d;
    }
    let floors = f64::from(b.storeys.unwrap_or(2).max(1));
    let by_area = (b.footprint_m2 * floors / rules.floor_area_per_dwelling_m2).round();
    // At least one dwelling per address, at most what the floor area holds.
    (by_area.max(b.addresses.len() as f64).max(1.0)).min(f64::from(u16::MAX)) as u16
}

fn vacant_dwellings_for(class: VacancyClass, dwellings: u16, survey: Option<&Survey>) -> u16 {
    match class {
        VacancyClass::Vacant => dwellings,
        VacancyClass::PartlyVacant => survey
            .and_then(|s| s.vacant_dwellings)
            .unwrap_or(dwellings.div_ceil(2))
            .min(dwellings),
        _ => 0,
    }
}

fn finding_text(f: Finding) -> &'static str {
    match f {
        Finding::Occupied => "occupied",
        Finding::Vacant => "vacant",
        Finding::PartlyVacant => "partly vacant",
        Finding::Unclear => "unclear",
        Finding::Demolished => "demolished",
    }
}

fn short(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if text.chars().count() > 80 {
        s.push('…');
    }
    s
}
