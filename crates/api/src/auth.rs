//! Planners' accounts: argon2 password hashes, API tokens stored only as SHA-256 hashes, the
//! [`Planner`] extractor that guards every planner route, and `POST /planner/login`.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::limits::RateLimited;
use crate::problem::Json;
use crate::{AppState, Problem};

/// What a planner may do; administrators may also manage accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Planner,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planner => "planner",
            Self::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "planner" => Ok(Self::Planner),
            "admin" => Ok(Self::Admin),
            other => Err(format!("unknown role {other:?}: planner or admin")),
        }
    }
}

/// An authenticated planner, taken from `Authorization: Bearer <token>`.
#[derive(Debug, Clone, Serialize)]
pub struct Planner {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
}

/// How long a token from `POST /planner/login` lasts.
const SESSION_HOURS: i64 = 12;

/// The SHA-256 of a token, as stored.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new random token: 32 bytes from the OS, hex, with a prefix that makes leaked tokens
/// easy to find in logs and repositories.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("lst_{}", hex::encode(bytes))
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A user account error the CLI reports as it is.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("login {0:?} must be 2–64 characters of a–z, 0–9, '.', '_' or '-'")]
    BadLogin(String),
    #[error("the password must be at least 12 characters long")]
    WeakPassword,
    #[error("a user with login {0:?} exists already")]
    Exists(String),
    #[error("no user with login {0:?}")]
    NoSuchUser(String),
    #[error("hashing the password failed: {0}")]
    Hash(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Creates a user; `password` may be `None` for a token-only account.
pub async fn create_user(
    pool: &PgPool,
    login: &str,
    display_name: &str,
    role: Role,
    password: Option<&str>,
) -> Result<i64, AccountError> {
    let login_ok = (2..=64).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !login_ok {
        return Err(AccountError::BadLogin(login.to_owned()));
    }
    let hash = match password {
        Some(p) if p.chars().count() < 12 => return Err(AccountError::WeakPassword),
        Some(p) => Some(hash_password(p).map_err(AccountError::Hash)?),
        None => None,
    };
    let name = if display_name.trim().is_empty() {
        login
    } else {
        display_name.trim()
    };
    sqlx::query_scalar(
        "INSERT INTO app_user (login, display_name, role, password_hash)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (login) DO NOTHING RETURNING id",
    )
    .bind(login)
    .bind(name)
    .bind(role.as_str())
    .bind(hash)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AccountError::Exists(login.to_owned()))
}

/// Issues a new API token for `login`; the secret is returned once and stored only hashed.
pub async fn issue_token(
    pool: &PgPool,
    login: &str,
    label: &str,
    valid_for: Option<Duration>,
) -> Result<String, AccountError> {
    let user: i64 =
        sqlx::query_scalar("SELECT id FROM app_user WHERE login = $1 AND disabled_at IS NULL")
            .bind(login)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| AccountError::NoSuchUser(login.to_owned()))?;
    let token = new_token();
    let expires = valid_for.map(|d| Utc::now() + d);
    sqlx::query(
        "INSERT INTO api_token (user_id, token_hash, label, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user)
    .bind(token_hash(&token))
    .bind(label)
    .bind(expires)
    .execute(pool)
    .await?;
    Ok(token)
}

impl FromRequestParts<AppState> for Planner {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| Problem::unauthorized("this route needs a planner's token"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or_else(|| Problem::unauthorized("expected 'Authorization: Bearer <token>'"))?;
        let row: Option<(i64, String, String, String)> = sqlx::query_as(
            "UPDATE api_token t SET last_used_at = now()
               FROM app_user u
              WHERE t.token_hash = $1 AND u.id = t.user_id
                AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
                AND u.disabled_at IS NULL
             RETURNING u.id, u.login, u.display_name, u.role",
        )
        .bind(token_hash(token))
        .fetch_optional(state.pool())
        .await?;
        let (id, login, display_name, role) =
            row.ok_or_else(|| Problem::unauthorized("unknown, expired or revoked token"))?;
        let role = role.parse().map_err(|_| Problem::internal())?;
        Ok(Self {
            id,
            login,
            display_name,
            role,
        })
    }
}

impl Planner {
    /// Refuses a planner who is not an administrator.
    pub fn require_admin(&self) -> Result<(), Problem> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Planner => Err(Problem::forbidden("only an administrator may do this")),
        }
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/planner/login", post(login))
        .route("/planner/me", get(me))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    login: String,
    password: String,
}

#[derive(Debug, Serialize)]
struct Session {
    token: String,
    expires_at: DateTime<Utc>,
    user: Planner,
}

/// Exchanges login and password for a session token. Wrong login and wrong password get
/// the same answer, and the attempts count against the client's posting limit.
async fn login(
    State(state): State<AppState>,
    _limit: RateLimited,
    Json(body): Json<Login>,
) -> Result<Json<Session>, Problem> {
    if body.login.len() > 64 || body.password.len() > 1024 {
        return Err(Problem::unauthorized("wrong login or password"));
    }
    let row: Option<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, display_name, role, password_hash FROM app_user
          WHERE login = $1 AND disabled_at IS NULL",
    )
    .bind(&body.login)
    .fetch_optional(state.pool())
    .await?;
    let (id, display_name, role, hash) = row.unwrap_or((0, String::new(), String::new(), None));
    let password = body.password.clone();
    // Verify even for an unknown login, so timing does not tell which logins exist.
    let phc = hash.unwrap_or_else(|| dummy_hash().to_owned());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .unwrap_or(false);
    if !ok || id == 0 {
        return Err(Problem::unauthorized("wrong login or password"));
    }
    let valid_for = Duration::hours(SESSION_HOURS);
    let token = issue_token(state.pool(), &body.login, "session", Some(valid_for))
        .await
        .map_err(|e| match e {
            AccountError::Database(db) => Problem::from(db),
            _ => Problem::unauthorized("wrong login or password"),
        })?;
    Ok(Json(Session {
        token,
        expires_at: Utc::now() + valid_for,
        user: Planner {
            id,
            login: body.login,
            display_name,
            role: role.parse().map_err(|_| Problem::internal())?,
        },
    }))
}

/// An argon2 hash of a random password, made once, verified against when the login is
/// unknown so that the answer takes as long as for a known one.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

async fn me(planner: Planner) -> Json<Planner> {
    Json(planner)
}

pub(crate) fn openapi_paths() -> Value {
    json!({
        "/planner/login": {
            "post": {
                "summary": "Exchange login and password for a session token (12 hours).",
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "required": ["login", "password"],
                    "properties": {"login": {"type": "string"}, "password": {"type": "string"}}}}}},
                "responses": {"200": {"description": "A session token."},
                              "401": {"$ref": "#/components/responses/Problem"},
                              "429": {"$ref": "#/components/responses/Problem"}}
            }
        },
        "/planner/me": {
            "get": {"summary": "The planner behind the token.", "security": [{"bearer": []}],
                    "responses": {"200": {"description": "The planner."},
                                  "401": {"$ref": "#/components/responses/Problem"}}}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(
            PasswordHash::new(dummy_hash()).is_ok(),
            "a real hash, so it costs real time"
        );
        assert!(!verify_password("anything", dummy_hash()));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = new_token();
        assert_ne!(a, new_token());
        assert_eq!(a.len(), 4 + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
