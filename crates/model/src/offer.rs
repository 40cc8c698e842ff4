//! Plot offers for investors and interim-use offers ("Teilkultur"), and the rule that decides
//! when a plot may be shown publicly (§ 200 (3) BauGB).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::Flurstueckskennzeichen;

/// What is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferKind {
    Sale,
    Lease,
    /// Temporary use of a vacant building or plot (Teilkultur).
    InterimUse,
}

/// Why a plot may be published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum Publication {
    /// The owner agreed in writing.
    OwnerConsent { given_on: NaiveDate },
    /// The town announced the publication (§ 200 (3) BauGB); it may publish one month later
    /// unless the owner objects. An objection ends publication whenever it comes.
    NoticePeriod {
        announced_on: NaiveDate,
        objection_on: Option<NaiveDate>,
    },
}

impl Publication {
    /// Whether the plot may appear on public maps and in the investor search on `day`.
    pub fn is_public_on(&self, day: NaiveDate) -> bool {
        match *self {
            Self::OwnerConsent { given_on } => day >= given_on,
            Self::NoticePeriod {
                announced_on,
                objection_on,
            } => {
                let period_over = announced_on
                    .checked_add_months(Months::new(1))
                    .is_some_and(|end| day >= end);
                let objected = objection_on.is_some_and(|o| o <= day);
                period_over && !objected
            }
        }
    }
}

/// An offer on a plot, published by the town.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub parcel: Flurstueckskennzeichen,
    pub kind: OfferKind,
    pub title: String,
    pub description: String,
    pub price_eur: Option<f64>,
    pub publication: Option<Publication>,
}

impl Offer {
    pub fn is_public_on(&self, day: NaiveDate) -> bool {
        self.publication.is_some_and(|p| p.is_public_on(day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn notice_period_is_one_month_without_objection() {
        let p = Publication::NoticePeriod {
            announced_on: d("2026-01-31"),
            objection_on: None,
        };
        assert!(!p.is_public_on(d("2026-02-27")));
        assert!(p.is_public_on(d("2026-02-28")));
        let objected = Publication::NoticePeriod {
            announced_on: d("2026-01-01"),
            objection_on: Some(d("2026-05-01")),
        };
        assert!(objected.is_public_on(d("2026-04-30")));
        assert!(!objected.is_public_on(d("2026-05-01")));
    }

    #[test]
    fn no_publication_means_not_public() {
        let offer = Offer {
            parcel: "16512300100117______".parse().unwrap(),
            kind: OfferKind::Sale,
            title: "Baulücke".into(),
            description: String::new(),
            price_eur: None,
            publication: None,
        };
        assert!(!offer.is_public_on(d("2030-01-01")));
        let consented = Offer {
            publication: Some(Publication::OwnerConsent {
                given_on: d("2026-03-01"),
            }),
            ..offer
        };
        assert!(consented.is_public_on(d("2026-03-01")));
    }
}
