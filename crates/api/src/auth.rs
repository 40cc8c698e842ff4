//! The [`Planner`] extractor that guards every planner route, and `POST /planner/login`;
//! passwords and tokens are checked by [`workflow::users`].

use axum::extract::{FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use workflow::lockout;
use workflow::users::{self, Role, Towns, User};

use crate::limits::RateLimited;
use crate::openapi::{
    BadRequest, Forbidden, TooLarge, TooManyRequests, Unauthorized, Unavailable, Unprocessable,
    UnsupportedMediaType, PLANNER,
};
use crate::problem::Json;
use crate::{AppState, Problem};

/// An authenticated planner, taken from `Authorization: Bearer <token>`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Planner {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    #[schema(schema_with = role_schema)]
    pub role: Role,
    /// The towns (AGS) the planner works on, or `"all"`.
    #[schema(schema_with = towns_schema)]
    pub towns: Towns,
}

/// [`Role`] as its JSON text.
fn role_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(
            [Role::Planner, Role::Moderator, Role::Admin].map(Role::as_str),
        ))
        .build()
}

/// [`Towns`] as serde writes it: `"all"`, or `{"some": [AGS, …]}`.
fn towns_schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    use utoipa::openapi::schema::AdditionalProperties;
    use utoipa::openapi::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
    let ags = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[0-9]{8}$"));
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["all"])),
        )
        .item(
            ObjectBuilder::new()
                .property("some", ArrayBuilder::new().items(ags))
                .required("some")
                .additional_properties(Some(AdditionalProperties::FreeForm(false))),
        )
        .into()
}

impl From<User> for Planner {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            login: user.login,
            display_name: user.display_name,
            role: user.role,
            towns: user.towns,
        }
    }
}

impl FromRequestParts<AppState> for Planner {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        // The scope gate in front of the planner routes has checked the token already.
        if let Some(planner) = parts.extensions.get::<Planner>() {
            return Ok(planner.clone());
        }
        let token = bearer_token(parts)?;
        let user = users::authenticate(state.pool(), token)
            .await?
            .ok_or_else(|| Problem::unauthorized("unknown, expired or revoked token"))?;
        Ok(user.into())
    }
}

/// The token of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110).
fn bearer_token(parts: &Parts) -> Result<&str, Problem> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| Problem::unauthorized("this route needs a planner's token"))?;
    header
        .to_str()
        .ok()
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or_else(|| Problem::unauthorized("expected 'Authorization: Bearer <token>'"))
}

impl Planner {
    /// The planner as the author of a workflow change.
    pub fn actor(&self) -> workflow::Actor<'_> {
        workflow::Actor {
            id: self.id,
            login: &self.login,
        }
    }

    /// Refuses a planner who is not an administrator.
    pub fn require_admin(&self) -> Result<(), Problem> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Planner | Role::Moderator => {
                Err(Problem::forbidden("only an administrator may do this"))
            }
        }
    }

    /// Refuses a planner who is not an administrator of every town: what spans the towns
    /// (the audit log, what is stored about a person) is for them alone.
    pub fn require_admin_of_every_town(&self, what: &str) -> Result<(), Problem> {
        self.require_admin()?;
        if self.towns != Towns::All {
            return Err(Problem::forbidden(format!(
                "{what} is for administrators of every town"
            )));
        }
        Ok(())
    }
}

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(me))
        .routes(routes!(logout))
        .routes(routes!(change_password))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    /// At least 12 characters.
    #[schema(min_length = 12)]
    new_password: String,
}

/// Changes the planner's own password; every other token of the account is revoked, the
/// request's token stays. Wrong current passwords count against the posting limit.
#[utoipa::path(post, path = "/planner/password", tag = PLANNER, security(("bearer" = [])),
    request_body = PasswordChange,
    responses((status = 204, description = "Changed; the account's other tokens are revoked."),
              BadRequest, Unauthorized, Forbidden, TooLarge, UnsupportedMediaType, Unprocessable,
              TooManyRequests, Unavailable))]
async fn change_password(
    State(state): State<AppState>,
    planner: Planner,
    _limit: RateLimited,
    parts: axum::http::request::Parts,
    Json(body): Json<PasswordChange>,
) -> Result<StatusCode, Problem> {
    let token = bearer_token(&parts)?;
    users::change_password(
        state.pool(),
        &planner.login,
        &body.current_password,
        &body.new_password,
        token,
    )
    .await?
    .ok_or_else(|| Problem::forbidden("the current password is wrong"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes the token the request carries.
#[utoipa::path(post, path = "/planner/logout", tag = PLANNER, security(("bearer" = [])),
    responses((status = 204, description = "Revoked."), Unauthorized, Unavailable))]
async fn logout(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
) -> Result<StatusCode, Problem> {
    let token = bearer_token(&parts)?;
    // Authenticating first keeps an unknown token's answer a 401.
    users::authenticate(state.pool(), token)
        .await?
        .ok_or_else(|| Problem::unauthorized("unknown, expired or revoked token"))?;
    users::revoke_token(state.pool(), token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Login {
    login: String,
    password: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct Session {
    token: String,
    expires_at: DateTime<Utc>,
    user: Planner,
}

/// Exchanges login and password for a session token. Wrong login and wrong password get
/// the same answer, and the attempts count against the client's posting limit. After
/// repeated failures the login, or the client, is locked out for a while.
#[utoipa::path(post, path = "/planner/login", tag = PLANNER, request_body = Login,
    responses((status = 200, description = "A session token (12 hours unless configured).", body = Session),
              BadRequest, Unauthorized, TooLarge, UnsupportedMediaType, Unprocessable,
              TooManyRequests, Unavailable))]
async fn login(
    State(state): State<AppState>,
    RateLimited(client): RateLimited,
    Json(body): Json<Login>,
) -> Result<Json<Session>, Problem> {
    let outcome = lockout::login(
        state.pool(),
        &body.login,
        &body.password,
        client,
        &state.config().login_lockout,
    )
    .await?;
    let user = match outcome {
        lockout::Login::Granted(user) => user,
        lockout::Login::Refused => return Err(Problem::unauthorized("wrong login or password")),
        lockout::Login::Locked { retry_after } => {
            let seconds =
                u32::try_from(retry_after.as_secs().saturating_add(1)).unwrap_or(u32::MAX);
            return Err(Problem {
                detail: "too many failed logins for this account or from this client; \
                         try again later"
                    .to_owned(),
                ..Problem::too_many_requests(seconds)
            });
        }
    };
    let valid_for =
        Duration::from_std(state.config().session_length).map_err(|_| Problem::internal())?;
    let token = users::issue_token(state.pool(), &user.login, "session", Some(valid_for))
        .await
        .map_err(|e| match e {
            workflow::Error::Database(db) => Problem::from(db),
            _ => Problem::unauthorized("wrong login or password"),
        })?;
    Ok(Json(Session {
        token,
        expires_at: Utc::now() + valid_for,
        user: user.into(),
    }))
}

/// The planner behind the token.
#[utoipa::path(get, path = "/planner/me", tag = PLANNER, security(("bearer" = [])),
    responses((status = 200, description = "The planner.", body = Planner), Unauthorized, Unavailable))]
async fn me(planner: Planner) -> Json<Planner> {
    Json(planner)
}
