//! `POST /planner/consents`: the town's § 200 (3) BauGB notice for a list of parcels or for
//! all current plot verdicts of a town, recorded by [`workflow::consent`].

use axum::extract::State;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use workflow::consent::{
    check_announcement, record_notice, town_known, NoticeOutcome, NoticeScope,
};

use super::invalid;
use crate::auth::Planner;
use crate::openapi::{BodyErrors, PlannerErrors, Unprocessable, PLANNER};
use crate::problem::Json;
use crate::{AppState, Problem};

/// The notice: either `parcels` or `town`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoticeBody {
    /// The day the town announced the publication.
    announced_on: NaiveDate,
    /// ALKIS ids of the parcels (1 to 10000).
    parcels: Option<Vec<String>>,
    /// The AGS of a town: every current plot verdict of it.
    town: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct NoticeAnswer {
    announced_on: NaiveDate,
    /// The day the parcels become public unless the owner objects.
    public_from: Option<NaiveDate>,
    #[serde(flatten)]
    outcome: NoticeOutcome,
}

/// At most this many parcels in one list.
const MAX_PARCELS: usize = 10_000;

/// `POST /planner/consents`: the § 200 (3) notice for a list of parcels or a whole town.
#[utoipa::path(post, path = "/planner/consents", tag = PLANNER, security(("bearer" = [])),
    request_body = NoticeBody,
    responses((status = 200, description = "The notice recorded: its dates and the parcels it covers.", body = Value),
              PlannerErrors, BodyErrors, Unprocessable))]
pub(crate) async fn notice(
    planner: Planner,
    State(state): State<AppState>,
    Json(body): Json<NoticeBody>,
) -> Result<Json<NoticeAnswer>, Problem> {
    let announced_on = check_announcement("announced_on", body.announced_on)?;
    let scope = match (body.parcels, body.town) {
        (Some(list), None) => {
            if list.is_empty() || list.len() > MAX_PARCELS {
                return Err(invalid(format!(
                    "parcels must list 1 to {MAX_PARCELS} ALKIS ids"
                )));
            }
            for id in &list {
                id.parse::<model::AlkisId>()
                    .map_err(|e| invalid(e.to_string()))?;
            }
            NoticeScope::Parcels(list)
        }
        (None, Some(town)) => {
            let ags: model::Ags = town
                .parse()
                .map_err(|e: model::ModelError| invalid(e.to_string()))?;
            if !town_known(state.pool(), ags.as_str()).await? {
                return Err(invalid(format!("no town with AGS {ags}")));
            }
            NoticeScope::PlotVerdicts {
                town: Some(ags.as_str().to_owned()),
            }
        }
        _ => {
            return Err(invalid(
                "give either parcels (a list of ALKIS ids) or town (an AGS)",
            ))
        }
    };
    let mut tx = state.pool().begin().await?;
    let outcome = record_notice(&mut tx, planner.actor(), announced_on, &scope).await?;
    if !outcome.unknown.is_empty() {
        let shown: Vec<&str> = outcome
            .unknown
            .iter()
            .take(20)
            .map(String::as_str)
            .collect();
        return Err(invalid(format!(
            "{} parcels are unknown, nothing was recorded: {}",
            outcome.unknown.len(),
            shown.join(", ")
        )));
    }
    tx.commit().await?;
    super::published_changed(&state);
    Ok(Json(NoticeAnswer {
        announced_on,
        public_from: announced_on.checked_add_months(Months::new(1)),
        outcome,
    }))
}
