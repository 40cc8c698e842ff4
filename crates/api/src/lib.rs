//! The web API of leerstand: OGC API Features and vector tiles for the public map, plot
//! search and enquiries for investors, citizen reports, and the planners' authenticated
//! workflow. [`app`] builds the whole `Router`, so tests drive it with or without a socket.
//!
//! Public routes read only the views of the database schema `published` (see migration
//! 0008); everything private stays behind [`auth::Planner`].

pub mod auth;
mod features;
pub mod fonts;
mod limits;
mod metrics;
mod openapi;
mod ops;
mod pages;
mod planner;
mod problem;
mod public_reads;
mod reports;
mod search;
mod security;
pub mod server;
pub mod tiles;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use sqlx::PgPool;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use limits::{IpRange, RateLimit};
pub use problem::Problem;
pub use public_reads::{ReadLimits, RESERVED_CONNECTIONS};
pub use security::is_origin;

/// How the server behaves; the defaults suit one town hall server.
#[derive(Debug, Clone)]
pub struct Config {
    /// The URL clients reach the server at, used in OGC links (no trailing slash).
    pub base_url: String,
    /// The web map's files, served at `/` when set.
    pub web_root: Option<PathBuf>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Citizen reports, enquiries and logins per client address.
    pub post_rate: RateLimit,
    /// Reverse proxies whose `X-Forwarded-For` names the client (empty: the peer address is
    /// the client, and the header is ignored).
    pub trusted_proxies: Vec<IpRange>,
    /// Origins that may embed the pages in a frame (the Allianz-App), besides the server.
    pub frame_ancestors: Vec<String>,
    /// Peer addresses that may read `/metrics` (the operator's scraper); others get 404.
    pub metrics_from: Vec<IpRange>,
    /// Time for a request's headers to arrive; also how long a kept-alive connection may idle.
    pub header_read_timeout: Duration,
    /// How long a token from `POST /planner/login` lasts.
    pub session_length: Duration,
    /// When failed logins lock an account or a client address out, and for how long.
    pub login_lockout: workflow::lockout::Lockout,
    /// How public reads (features, search, tile cache misses) share the database.
    pub public_reads: ReadLimits,
    /// The folder of the fonts the labels' glyphs are rendered from ([`fonts::FONTS`]).
    pub font_dir: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8080".to_owned(),
            web_root: None,
            max_body_bytes: 64 * 1024,
            post_rate: RateLimit {
                requests: 10,
                per: Duration::from_secs(600),
            },
            trusted_proxies: Vec::new(),
            frame_ancestors: Vec::new(),
            metrics_from: vec![IpRange::LOOPBACK_V4, IpRange::LOOPBACK_V6],
            header_read_timeout: server::HEADER_READ_TIMEOUT,
            session_length: Duration::from_secs(12 * 3600),
            login_lockout: workflow::lockout::Lockout::default(),
            public_reads: ReadLimits::default(),
            font_dir: PathBuf::from(fonts::DEFAULT_FONT_DIR),
        }
    }
}

/// What every handler shares: the pool, the configuration, counters and caches.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    pool: PgPool,
    config: Config,
    metrics: metrics::Metrics,
    posts: limits::Limiter,
    tiles: tiles::TileCache,
    security: security::SecurityHeaders,
    public_reads: public_reads::PublicReads,
}

impl AppState {
    /// The state over the server's pool; public reads get a smaller pool of their own beside
    /// it (see [`ReadLimits`]). Needs a Tokio runtime.
    pub fn new(pool: PgPool, config: Config) -> Self {
        let public_reads = public_reads::PublicReads::new(&pool, config.public_reads);
        let posts = limits::Limiter::new(config.post_rate);
        let security = security::SecurityHeaders::new(&config.base_url, &config.frame_ancestors);
        Self {
            inner: Arc::new(Inner {
                security,
                public_reads,
                pool,
                config,
                metrics: metrics::Metrics::default(),
                posts,
                tiles: tiles::TileCache::new(tiles::DEFAULT_CACHE_BYTES),
            }),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    pub(crate) fn security_headers(&self) -> &security::SecurityHeaders {
        &self.inner.security
    }

    pub(crate) fn public_reads(&self) -> &public_reads::PublicReads {
        &self.inner.public_reads
    }

    pub(crate) fn post_limiter(&self) -> &limits::Limiter {
        &self.inner.posts
    }

    /// The cache of compressed vector tiles; writers that change the public views may
    /// [`tiles::TileCache::invalidate`] it.
    pub fn tiles(&self) -> &tiles::TileCache {
        &self.inner.tiles
    }
}

/// Every route with its OpenAPI description: each module registers its handlers together
/// with their `#[utoipa::path]`, so the document cannot miss a route.
fn routes(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(ops::routes())
        .merge(features::routes())
        .merge(tiles::routes())
        .merge(fonts::routes())
        .merge(auth::routes())
        .merge(search::routes())
        .merge(reports::read_routes())
        .merge(pages::routes())
        .merge(planner::routes(state.clone()))
}

/// The whole API as one router.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config().max_body_bytes;
    let web_root = state.config().web_root.clone();
    let (router, mut description) = routes(&state).split_for_parts();
    // `POST /reports` carries photos: a body limit of its own, outside the common one below.
    let (report_router, report_description) = reports::routes().split_for_parts();
    description.merge(report_description);
    let document = openapi::document(description, &state.config().base_url);
    let router = router.layer(axum::Extension(ops::Document(
        serde_json::to_vec(&document).unwrap_or_default().into(),
    )));
    let router = match web_root {
        Some(root) => router.fallback_service(
            tower_http::services::ServeDir::new(root).append_index_html_on_directories(true),
        ),
        None => router.fallback(|| async { Problem::not_found("no such resource") }),
    };
    // Every route keeps the body limit except `POST /reports`, whose form carries photos
    // (it has a limit of its own, and reads a JSON report within this one).
    router
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(body_limit))
        .merge(report_router)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .layer(CompressionLayer::new())
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            server::BODY_READ_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::harden,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the API on `addr` until Ctrl-C; returns when the server has stopped.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(address = %listener.local_addr()?, "serving");
    serve_on(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Serves the API on a bound listener until `shutdown` resolves (with the timeouts of
/// [`server`]).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let timeout = state.config().header_read_timeout;
    server::run(listener, app(state), timeout, shutdown).await
}
