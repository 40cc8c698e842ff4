//! `leerstand serve`: the web API and the web map on one port.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The URL clients use to reach the server (for links); default http://ADDR.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Directory of the web map, served at `/` (default: `web/` when it exists).
    #[arg(long)]
    pub web: Option<PathBuf>,
    /// Largest accepted request body in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
    /// A reverse proxy (address or CIDR range) whose X-Forwarded-For names the client, for
    /// the per-client rate limits; repeat or separate with commas. Without it the header is
    /// ignored and the peer address counts.
    #[arg(
        long = "trusted-proxy",
        env = "LEERSTAND_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<api::IpRange>,
    /// An origin (`https://host[:port]`) that may embed the web map in a frame, such as the
    /// Allianz-App; repeat or separate with commas.
    #[arg(
        long = "frame-ancestor",
        env = "LEERSTAND_FRAME_ANCESTORS",
        value_delimiter = ',',
        value_parser = parse_origin
    )]
    pub frame_ancestors: Vec<String>,
    /// An address or CIDR range allowed to read /metrics (default: loopback only); repeat or
    /// separate with commas.
    #[arg(
        long = "metrics-from",
        env = "LEERSTAND_METRICS_FROM",
        value_delimiter = ','
    )]
    pub metrics_from: Vec<api::IpRange>,
    /// Hours a planner's login token lasts.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=720))]
    pub session_hours: u64,
    /// Public database requests (features, search, tiles not cached) one client address may
    /// have in flight; more wait up to 2 s, then get 429.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub reads_per_client: u32,
    /// Seconds a statement of a public request may run before it is cancelled (503 busy).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub read_timeout_secs: u64,
    /// Folder of the fonts the map's label glyphs are rendered from (DejaVuSans.ttf,
    /// DejaVuSans-Bold.ttf; Debian package fonts-dejavu-core).
    #[arg(long, env = "LEERSTAND_FONT_DIR", default_value = api::fonts::DEFAULT_FONT_DIR)]
    pub font_dir: PathBuf,
}

fn parse_origin(text: &str) -> Result<String, String> {
    let origin = text.trim().trim_end_matches('/');
    if api::is_origin(origin) {
        Ok(origin.to_owned())
    } else {
        Err(format!(
            "{text:?} is not an origin like https://app.example.de (scheme, host, optional port)"
        ))
    }
}

pub async fn run(args: ServeArgs, database_url: &str) -> anyhow::Result<()> {
    // Both cores' worth of tile queries plus headroom; a request waits at most 3 s for a
    // connection, then the client gets 503 with Retry-After. Public reads use a pool of their
    // own of 16 - 4 connections (api::ReadLimits), so planners and writers always find one.
    let pool = store::connect_with(database_url, 16, std::time::Duration::from_secs(3)).await?;
    let applied = store::migrate(&pool).await?;
    if !applied.is_empty() {
        tracing::info!(?applied, "applied schema migrations");
    }
    api::fonts::check(&args.font_dir).context("checking the fonts of the map's labels")?;
    let web_root = args
        .web
        .or_else(|| Some(PathBuf::from("web")).filter(|p| p.join("index.html").is_file()));
    let config = api::Config {
        base_url: args
            .base_url
            .unwrap_or_else(|| format!("http://{}", args.addr))
            .trim_end_matches('/')
            .to_owned(),
        web_root,
        max_body_bytes: args.max_body_bytes,
        trusted_proxies: args.trusted_proxies,
        frame_ancestors: args.frame_ancestors,
        session_length: std::time::Duration::from_secs(args.session_hours * 3600),
        public_reads: api::ReadLimits {
            per_client: args.reads_per_client,
            statement_timeout: std::time::Duration::from_secs(args.read_timeout_secs),
            ..api::ReadLimits::default()
        },
        font_dir: args.font_dir,
        ..api::Config::default()
    };
    let config = if args.metrics_from.is_empty() {
        config
    } else {
        api::Config {
            metrics_from: args.metrics_from,
            ..config
        }
    };
    let state = api::AppState::new(pool, config);
    api::serve(state, args.addr)
        .await
        .with_context(|| format!("serving on {}", args.addr))
}
