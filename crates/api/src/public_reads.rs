//! Public database reads share the server fairly. Each client address may have a few reads in
//! flight ([`ReadLimits::per_client`]); more wait briefly, then get 429. All public reads
//! together use a pool of their own, smaller than the server's, whose connections carry a
//! statement timeout: a flood of deep or slow public requests can neither hold every
//! connection (the planners and writers keep theirs) nor run for long.
//!
//! A handler that reads the database for the public takes a [`PublicRead`]; its pool is the
//! only way to the public connections, so no read can skip the budget. Tile cache hits touch
//! no database and take none.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::limits::ClientAddress;
use crate::{AppState, Problem};

/// How public reads share the database.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// Reads in flight per client address; more wait up to `wait`, then get 429.
    pub per_client: u32,
    /// How long a read over the client's budget waits for one of its own to finish.
    pub wait: Duration,
    /// Connections all public reads share; `None`: the server's pool size less
    /// [`RESERVED_CONNECTIONS`].
    pub connections: Option<u32>,
    /// Longest statement of a public read; a cancelled one answers 503 "busy".
    pub statement_timeout: Duration,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            per_client: 4,
            wait: Duration::from_secs(2),
            connections: None,
            statement_timeout: Duration::from_secs(5),
        }
    }
}

/// Connections of the server's pool size that public reads leave to planners and writers.
pub const RESERVED_CONNECTIONS: u32 = 4;

/// Most client addresses tracked; idle ones are dropped as soon as their last read ends.
const MAX_CLIENTS: usize = 100_000;

type Clients = Arc<Mutex<HashMap<IpAddr, Arc<Semaphore>>>>;

#[derive(Debug)]
pub(crate) struct PublicReads {
    pool: PgPool,
    limits: ReadLimits,
    clients: Clients,
}

impl PublicReads {
    /// A lazily connected pool to the database of `server_pool`, sized and timed by `limits`.
    pub(crate) fn new(server_pool: &PgPool, limits: ReadLimits) -> Self {
        let server = server_pool.options();
        let connections = limits
            .connections
            .unwrap_or_else(|| {
                server
                    .get_max_connections()
                    .saturating_sub(RESERVED_CONNECTIONS)
            })
            .max(1);
        let millis = limits.statement_timeout.as_millis().max(1);
        let connect = server_pool
            .connect_options()
            .as_ref()
            .clone()
            .options([("statement_timeout", millis.to_string())]);
        let pool = PgPoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(server.get_acquire_timeout())
            .connect_lazy_with(connect);
        // The public connections close with the server's pool, so that whoever closes that
        // (a shutdown, a test dropping its database) finds no connection left open.
        let closing = server_pool.close_event();
        let public = pool.clone();
        tokio::spawn(async move {
            closing.await;
            public.close().await;
        });
        Self {
            pool,
            limits,
            clients: Arc::default(),
        }
    }

    /// Admits one read of `client`, waiting up to [`ReadLimits::wait`] while the client has
    /// its whole budget in flight.
    pub(crate) async fn admit(&self, client: IpAddr) -> Result<PublicRead, Problem> {
        let budget = {
            let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
            if clients.len() >= MAX_CLIENTS {
                clients.retain(|_, s| Arc::strong_count(s) > 1);
            }
            clients
                .entry(client)
                .or_insert_with(|| Arc::new(Semaphore::new(self.limits.per_client.max(1) as usize)))
                .clone()
        };
        let permit = match tokio::time::timeout(self.limits.wait, budget.acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                return Err(Problem {
                    detail: format!(
                        "this client has {} database requests in progress; \
                         wait for them before sending more",
                        self.limits.per_client
                    ),
                    ..Problem::too_many_requests(1)
                })
            }
        };
        Ok(PublicRead {
            pool: self.pool.clone(),
            _slot: Slot {
                permit: Some(permit),
                client,
                clients: self.clients.clone(),
            },
        })
    }
}

/// One admitted public read: the way to the public connections while it lasts.
#[derive(Debug)]
pub(crate) struct PublicRead {
    pool: PgPool,
    _slot: Slot,
}

impl PublicRead {
    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The answer to a failed read. A pool timeout with every connection open means they are
    /// all busy; with fewer open, new ones could not be made: the database is away.
    pub(crate) fn problem(&self, error: sqlx::Error) -> Problem {
        if matches!(error, sqlx::Error::PoolTimedOut)
            && self.pool.size() >= self.pool.options().get_max_connections()
        {
            tracing::warn!("public reads: every connection busy");
            return Problem::busy();
        }
        error.into()
    }
}

/// Returns the client's permit and forgets clients with nothing in flight or waiting.
#[derive(Debug)]
struct Slot {
    permit: Option<OwnedSemaphorePermit>,
    client: IpAddr,
    clients: Clients,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        drop(self.permit.take());
        // Only the table holds it: no read of this client runs or waits.
        if clients
            .get(&self.client)
            .is_some_and(|s| Arc::strong_count(s) == 1)
        {
            clients.remove(&self.client);
        }
    }
}

impl FromRequestParts<AppState> for PublicRead {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let ClientAddress(client) = ClientAddress::from_request_parts(parts, state).await?;
        state.public_reads().admit(client).await
    }
}
