//! Request-rate limits per client address, for the routes anyone can post to.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

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

/// One address or a CIDR range: a reverse proxy whose `X-Forwarded-For` is believed, or an
/// operator's address allowed to read `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    net: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// 127.0.0.0/8.
    pub const LOOPBACK_V4: Self = Self {
        net: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)),
        prefix: 8,
    };
    /// ::1.
    pub const LOOPBACK_V6: Self = Self {
        net: IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        prefix: 128,
    };

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpRange {
    type Err = String;

    /// `10.0.0.0/8`, `192.168.1.5`, `fd00::/8`, `::1`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let net = addr
            .parse::<IpAddr>()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR range"))?
            .to_canonical();
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(Self { net, prefix })
    }
}

/// The client behind a request from `peer`. Without trusted proxies, or from a peer that is
/// not one, that is the peer itself. From a trusted proxy, `X-Forwarded-For` is read from the
/// right, where each proxy appended the address it saw: the first address that is not a
/// trusted proxy is the client. Addresses further left were written by the client and could
/// be anything, so they are never used; an entry that is not an address ends the walk at the
/// last trusted hop.
pub(crate) fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpRange]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    let lines: Vec<_> = headers.get_all("x-forwarded-for").iter().collect();
    for line in lines.into_iter().rev() {
        let Ok(line) = line.to_str() else {
            return client;
        };
        for hop in line.rsplit(',') {
            let hop = hop.trim();
            let ip = hop
                .parse::<IpAddr>()
                .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()));
            let Ok(ip) = ip else {
                return client;
            };
            client = ip.to_canonical();
            if !is_trusted(client) {
                return client;
            }
        }
    }
    client
}

/// The client's address, as every per-client limit counts it: the peer address, or behind a
/// trusted proxy ([`crate::Config::trusted_proxies`]) the address it forwarded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        Ok(Self(client_address(
            peer,
            &parts.headers,
            &state.config().trusted_proxies,
        )))
    }
}

/// The client's address, counted against the posting limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateLimited(pub(crate) IpAddr);

impl FromRequestParts<AppState> for RateLimited {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let ClientAddress(client) = ClientAddress::from_request_parts(parts, state).await?;
        state
            .post_limiter()
            .check(client)
            .map_err(Problem::too_many_requests)?;
        Ok(Self(client))
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

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn proxy_ranges_parse_and_match() {
        let lan: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(lan.contains(ip("10.200.1.2")));
        assert!(
            lan.contains(ip("::ffff:10.0.0.1")),
            "IPv4-mapped peers count"
        );
        assert!(!lan.contains(ip("11.0.0.1")));
        assert!(!lan.contains(ip("::1")));
        let one: IpRange = "192.168.1.5".parse().unwrap();
        assert!(one.contains(ip("192.168.1.5")) && !one.contains(ip("192.168.1.6")));
        let v6: IpRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let all: IpRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        for bad in ["10.0.0.0/33", "proxy", "10.0.0/8", "::1/129", ""] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        let proxy = ip("10.0.0.2");
        // No trusted proxies: the header is ignored.
        assert_eq!(
            client_address(proxy, &headers(&["203.0.113.5"]), &[]),
            proxy
        );
        // A peer that is not a trusted proxy cannot claim to forward anybody.
        let stranger = ip("198.51.100.7");
        assert_eq!(
            client_address(stranger, &headers(&["203.0.113.5"]), &trusted),
            stranger
        );
        // Through the proxy: the address it appended.
        assert_eq!(
            client_address(proxy, &headers(&["203.0.113.5"]), &trusted),
            ip("203.0.113.5")
        );
        // A client that sends its own header cannot choose its bucket: the proxy appended
        // the real address on the right.
        assert_eq!(
            client_address(proxy, &headers(&["1.2.3.4, 203.0.113.5"]), &trusted),
            ip("203.0.113.5")
        );
        // Two trusted hops, the header split over two lines, ports and brackets.
        assert_eq!(
            client_address(
                proxy,
                &headers(&["1.2.3.4", "203.0.113.5:4711, 10.1.1.1"]),
                &trusted
            ),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_address(proxy, &headers(&["[2001:db8::1]:443"]), &trusted),
            ip("2001:db8::1")
        );
        // Garbage stops at the last trusted hop; no header leaves the proxy itself.
        assert_eq!(
            client_address(proxy, &headers(&["203.0.113.5, unknown"]), &trusted),
            proxy
        );
        assert_eq!(client_address(proxy, &headers(&[]), &trusted), proxy);
    }
}
