//! Verdicts of the analysis and the evidence behind them: every class comes with its score,
//! confidence and the list of evidence items, so a planner sees *why*.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{AlkisId, ModelError};

/// Whether a verdict is about a building or a plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Building,
    Parcel,
}

/// What a verdict, case or piece of evidence is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "alkis_id", rename_all = "snake_case")]
pub enum Subject {
    Building(AlkisId),
    Parcel(AlkisId),
}

impl Subject {
    pub fn kind(&self) -> SubjectKind {
        match self {
            Self::Building(_) => SubjectKind::Building,
            Self::Parcel(_) => SubjectKind::Parcel,
        }
    }
}

/// The classes of the analysis. The first five apply to buildings, the rest to plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VacancyClass {
    Occupied,
    Vacant,
    PartlyVacant,
    /// Likely vacant within about ten years (every registered resident 75+).
    Risk,
    Unknown,
    /// Baulücke: buildable parcel in the built-up area without a main building.
    BuildingGap,
    /// Commercial or industrial land with vacant or no buildings.
    Brownfield,
    /// Large parcel with very low building coverage.
    Underused,
    /// The plot of a vacant building.
    VacantBuildingPlot,
}

impl VacancyClass {
    pub const ALL: &'static [VacancyClass] = &[
        Self::Occupied,
        Self::Vacant,
        Self::PartlyVacant,
        Self::Risk,
        Self::Unknown,
        Self::BuildingGap,
        Self::Brownfield,
        Self::Underused,
        Self::VacantBuildingPlot,
    ];

    /// The name used in the database, the API and CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Occupied => "occupied",
            Self::Vacant => "vacant",
            Self::PartlyVacant => "partly_vacant",
            Self::Risk => "risk",
            Self::Unknown => "unknown",
            Self::BuildingGap => "building_gap",
            Self::Brownfield => "brownfield",
            Self::Underused => "underused",
            Self::VacantBuildingPlot => "vacant_building_plot",
        }
    }

    pub fn applies_to(self) -> SubjectKind {
        match self {
            Self::Occupied | Self::Vacant | Self::PartlyVacant | Self::Risk | Self::Unknown => {
                SubjectKind::Building
            }
            _ => SubjectKind::Parcel,
        }
    }
}

impl fmt::Display for VacancyClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for VacancyClass {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| ModelError::invalid("class", s, "not a vacancy class"))
    }
}

/// Where a piece of evidence comes from. Ordered from indirect to first-hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    Alkis,
    ResidentsRegister,
    ElectricityMeter,
    WaterMeter,
    CitizenReport,
    FieldSurvey,
    /// A planner's decision: final.
    PlannerOverride,
}

/// One piece of evidence and how much it moved the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub source: EvidenceSource,
    /// When the fact was observed (register date, meter year end, survey day).
    pub observed_on: Option<NaiveDate>,
    /// Signed contribution to the vacancy score: positive speaks for vacancy.
    pub contribution: f64,
    /// Human-readable, e.g. "electricity 120 kWh in 2024".
    pub summary: String,
}

/// Confidence of a verdict, in `0.0..=1.0`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Confidence(f64);

impl Confidence {
    pub fn new(value: f64) -> Result<Self, ModelError> {
        if (0.0..=1.0).contains(&value) {
            Ok(Self(value))
        } else {
            Err(ModelError::invalid(
                "confidence",
                value.to_string(),
                "must be between 0 and 1",
            ))
        }
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Confidence {
    type Error = ModelError;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Confidence> for f64 {
    fn from(c: Confidence) -> Self {
        c.0
    }
}

/// The analysis' verdict on one building or plot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub subject: Subject,
    pub class: VacancyClass,
    pub score: f64,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
}

impl Verdict {
    /// Builds a verdict, refusing a class that does not fit the subject (a building cannot be
    /// a building gap).
    pub fn new(
        subject: Subject,
        class: VacancyClass,
        score: f64,
        confidence: Confidence,
        evidence: Vec<Evidence>,
    ) -> Result<Self, ModelError> {
        if class.applies_to() != subject.kind() {
            return Err(ModelError::invalid(
                "class",
                class.as_str(),
                format!("does not apply to a {:?}", subject.kind()).to_lowercase(),
            ));
        }
        if !score.is_finite() {
            return Err(ModelError::invalid(
                "score",
                score.to_string(),
                "must be finite",
            ));
        }
        Ok(Self {
            subject,
            class,
            score,
            confidence,
            evidence,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn building() -> Subject {
        Subject::Building("DETHL51000000001".parse().unwrap())
    }

    #[test]
    fn class_names_roundtrip() {
        for c in VacancyClass::ALL {
            assert_eq!(c.as_str().parse::<VacancyClass>().unwrap(), *c);
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
    }

    #[test]
    fn class_must_fit_subject() {
        let c = Confidence::new(0.8).unwrap();
        assert!(Verdict::new(building(), VacancyClass::Vacant, 1.0, c, vec![]).is_ok());
        let err = Verdict::new(building(), VacancyClass::BuildingGap, 1.0, c, vec![]).unwrap_err();
        assert!(err.to_string().contains("building_gap"), "{err}");
        assert!(Verdict::new(building(), VacancyClass::Vacant, f64::NAN, c, vec![]).is_err());
    }

    #[test]
    fn confidence_is_bounded() {
        assert!(Confidence::new(1.01).is_err());
        assert!(Confidence::new(-0.1).is_err());
        assert!(Confidence::new(f64::NAN).is_err());
        assert!(serde_json::from_str::<Confidence>("2.0").is_err());
    }
}
