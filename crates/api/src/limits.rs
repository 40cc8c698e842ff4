//! Request-rate limits per client address, for the routes anyone can post to.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::{AppState, Problem};

/// At most `requests` within `per`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}

/// A fixed window per client address. Old windows are swept when the table grows, so a
/// flood of addresses cannot grow it without bound.
#[derive(Debug)]
pub(crate) struct Limiter {
    limit: RateLimit,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

const MAX_CLIENTS: usize = 100_000;

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `client`; `Err(seconds)` when it is over the limit.
    pub(crate) fn check(&self, client: IpAddr) -> Result<(), u32> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= MAX_CLIENTS {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.limit.per);
        }
        let (start, count) = windows.entry(client).or_insert((now, 0));
        if now.duration_since(*start) >= self.limit.per {
            *start = now;
            *count = 0;
        }
        if *count >= self.limit.requests {
            let wait = self.limit.per.saturating_sub(now.duration_since(*start));
            return Err(u32::try_from(wait.as_secs().max(1)).unwrap_or(u32::MAX));
        }
        *count += 1;
        Ok(())
    }
}

/// The client's address, counted against the posting limit. Behind no proxy the peer
/// address is the client; a forwarded header is not trusted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateLimited;

impl FromRequestParts<AppState> for RateLimited {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let client = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        state
            .post_limiter()
            .check(client)
            .map_err(Problem::too_many_requests)?;
        Ok(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_the_limit_waits_and_others_do_not() {
        let limiter = Limiter::new(RateLimit {
            requests: 2,
            per: Duration::from_secs(60),
        });
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_ok());
        let wait = limiter.check(a).unwrap_err();
        assert!((1..=60).contains(&wait));
        assert!(limiter.check(b).is_ok());
    }
}
