//! Planner cases: the work of bringing a vacant building or plot back into use, with a status
//! that only moves along allowed transitions, each one recorded.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ModelError, Subject};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    New,
    OwnerContacted,
    OwnerAnswered,
    /// The owner agreed that the plot may be published.
    Consent,
    /// The owner objected to publication.
    Objection,
    /// Back in use: sold, let, built on or in interim use.
    Mobilised,
    Closed,
}

impl CaseStatus {
    pub const ALL: &'static [CaseStatus] = &[
        Self::New,
        Self::OwnerContacted,
        Self::OwnerAnswered,
        Self::Consent,
        Self::Objection,
        Self::Mobilised,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::OwnerContacted => "owner_contacted",
            Self::OwnerAnswered => "owner_answered",
            Self::Consent => "consent",
            Self::Objection => "objection",
            Self::Mobilised => "mobilised",
            Self::Closed => "closed",
        }
    }

    /// The workflow: new → owner contacted → owner answered → consent or objection →
    /// mobilised → closed; a case can be closed from anywhere, and an objection can lead to
    /// contacting the owner again.
    pub fn can_become(self, next: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (self, next),
            (New, OwnerContacted)
                | (OwnerContacted, OwnerAnswered)
                | (OwnerAnswered, Consent | Objection)
                | (Objection, OwnerContacted)
                | (Consent, Mobilised)
                | (
                    New | OwnerContacted | OwnerAnswered | Consent | Objection | Mobilised,
                    Closed
                )
        )
    }
}

impl std::str::FromStr for CaseStatus {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| ModelError::invalid("status", s, "not a case status"))
    }
}

/// One recorded status change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseTransition {
    pub from: CaseStatus,
    pub to: CaseStatus,
    pub at: DateTime<Utc>,
    pub author: String,
    pub note: String,
}

/// A planner's case about one building or plot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub subject: Subject,
    pub status: CaseStatus,
    pub history: Vec<CaseTransition>,
}

impl Case {
    pub fn open(subject: Subject) -> Self {
        Self {
            subject,
            status: CaseStatus::New,
            history: Vec::new(),
        }
    }

    /// Moves the case on, recording who did it and why; refuses transitions the workflow
    /// does not allow.
    pub fn change_status(
        &mut self,
        to: CaseStatus,
        author: &str,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<&CaseTransition, ModelError> {
        if !self.status.can_become(to) {
            return Err(ModelError::Transition {
                from: self.status.as_str().to_owned(),
                to: to.as_str().to_owned(),
            });
        }
        if author.trim().is_empty() {
            return Err(ModelError::invalid(
                "author",
                author,
                "a status change needs an author",
            ));
        }
        self.history.push(CaseTransition {
            from: self.status,
            to,
            at,
            author: author.to_owned(),
            note: note.to_owned(),
        });
        self.status = to;
        Ok(&self.history[self.history.len() - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_runs_and_records() {
        let mut case = Case::open(Subject::Parcel("DETHL51000000002".parse().unwrap()));
        let now = Utc::now();
        for next in [
            CaseStatus::OwnerContacted,
            CaseStatus::OwnerAnswered,
            CaseStatus::Consent,
            CaseStatus::Mobilised,
            CaseStatus::Closed,
        ] {
            case.change_status(next, "Planerin A", "", now).unwrap();
        }
        assert_eq!(case.history.len(), 5);
        assert_eq!(case.history[2].from, CaseStatus::OwnerAnswered);
    }

    #[test]
    fn refuses_skipping_steps() {
        let mut case = Case::open(Subject::Parcel("DETHL51000000002".parse().unwrap()));
        let err = case
            .change_status(CaseStatus::Consent, "A", "", Utc::now())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "case status cannot change from new to consent"
        );
        assert!(case.history.is_empty());
        assert!(case
            .change_status(CaseStatus::OwnerContacted, " ", "", Utc::now())
            .is_err());
        assert!(!CaseStatus::Closed.can_become(CaseStatus::New));
    }
}
