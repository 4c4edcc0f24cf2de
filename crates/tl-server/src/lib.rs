//! Throughline's HTTP server: the JSON API over the store and the use cases
//! in `tl-app`, authentication and roles, Prometheus metrics, the OpenAPI
//! document, and the server-rendered pages.
//!
//! `app(state)` builds the whole router without a socket, so tests drive it
//! with `tower::ServiceExt::oneshot`; `serve` runs it on a listener. Only
//! this crate knows HTTP, JSON DTOs and HTML.

pub mod auth;
pub mod charts;
pub mod diff;
pub mod dto;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod views;
pub mod web;
pub mod webhooks;

pub use error::ApiError;
pub use state::{AppState, Config};

use axum::Router;
use axum::routing::any;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;

/// The whole application: API, pages, operations, with metrics and the
/// login rate limit.
pub fn app(state: AppState) -> Router {
    metrics::init();
    let mut governor = GovernorConfigBuilder::default().key_extractor(auth::PeerIp);
    governor
        .per_second(state.config.login_replenish_seconds.max(1))
        .burst_size(state.config.login_burst.max(1))
        .methods(vec![axum::http::Method::POST]);
    let governor = Arc::new(governor.finish().expect("the login rate limit's period and burst are positive"));
    let html_errors = axum::middleware::from_fn_with_state(state.clone(), web::html_errors);
    let limited = routes::session::login_router().merge(web::login_router().layer(html_errors.clone())).layer(
        GovernorLayer::new(governor).error_handler(|_| {
            let mut response = axum::response::IntoResponse::into_response((
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                axum::Json(serde_json::json!({"error": {"code": "rate_limited", "message": "too many login attempts; wait a minute"}})),
            ));
            response.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("60"));
            response
        }),
    );
    Router::new()
        .merge(routes::router())
        .merge(web::router().layer(html_errors))
        .merge(limited)
        .route("/api/{*rest}", any(api_not_found))
        .fallback(web::fallback)
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(state)
}

async fn api_not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found("route", uri.path())
}

/// Serves `app` on `listener` until Ctrl-C, with the peer address available
/// to the login rate limit.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let warmer = tokio::spawn(keep_warm(state.clone(), std::time::Duration::from_secs(2)));
    let served = serve_only(state, listener).await;
    warmer.abort();
    served
}

/// Polls the store's versions every `every` and, when the plan or the live
/// data moved (an apply from the CLI or another instance, a check-in), warms
/// the caches (see [`web::warm`]), so that the first page after an apply of
/// a large plan does not wait seconds for its schedule and forecast.
pub async fn keep_warm(state: AppState, every: std::time::Duration) {
    let mut warmed: Option<(i64, i64, jiff::civil::Date)> = None;
    loop {
        if let Ok(v) = state.store.versions().await {
            let key = (v.plan, v.live, routes::today());
            if warmed != Some(key) {
                let start = std::time::Instant::now();
                match web::warm(&state).await {
                    Ok((revision, live)) => {
                        warmed = Some(key);
                        // For operators: how long a new plan or live write
                        // takes to be served from the caches.
                        ::metrics::histogram!("throughline_warm_seconds").record(start.elapsed().as_secs_f64());
                        ::metrics::gauge!("throughline_warm_plan_revision").set(revision as f64);
                        ::metrics::gauge!("throughline_warm_live_version").set(live as f64);
                    }
                    Err(e) => tracing::warn!("warming the caches: {e}"),
                }
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// [`serve`] without the cache warmer.
async fn serve_only(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
