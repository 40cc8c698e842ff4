//! A real server on a loopback port over the test's own database, and a client for it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use api::{AppState, Config};
use sqlx::PgPool;

/// A running server; it stops when the test's runtime ends.
pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    pub pool: PgPool,
}

/// Starts the API on 127.0.0.1 on a free port.
pub async fn start(pool: PgPool) -> Server {
    start_with(pool, |_| {}).await
}

pub async fn start_with(pool: PgPool, adjust: impl FnOnce(&mut Config)) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = Config {
        base_url: format!("http://{addr}"),
        ..Config::default()
    };
    adjust(&mut config);
    let app = api::app(AppState::new(pool.clone(), config));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Server {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        pool,
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let response = self.get(path).await;
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// A fresh token for a fixture user.
    pub async fn token(&self, login: &str) -> String {
        workflow::users::issue_token(&self.pool, login, "test", None)
            .await
            .unwrap()
    }
}
