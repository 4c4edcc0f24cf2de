//! `throughline serve`: the web dashboard and the JSON API over a database.

use crate::Outcome;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tl_app::open_store;
use tl_server::{AppState, Config};

/// Serve the dashboard and the JSON API.
///
/// Opens the database (running its migrations), creates an `admin` account
/// with a one-time password on first start (printed once), and serves until
/// Ctrl-C. Several instances may share one PostgreSQL database.
#[derive(clap::Args)]
pub struct Args {
    /// The database: a file path, sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "THROUGHLINE_DATABASE_URL", default_value = tl_app::DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub database_url: String,
    /// The port to listen on.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on (loopback by default; cookies are marked
    /// Secure on any other address, so put TLS in front).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = match open_store(Some(&args.database_url)).await {
            Ok(store) => store,
            Err(e @ (tl_store::Error::Database(_) | tl_store::Error::UnsupportedUrl(_))) => {
                eprintln!("error: cannot use the database: {e}");
                return Ok(Outcome::Unreadable);
            }
            Err(e) => return Err(e.into()),
        };
        serve(Arc::new(store), args.bind, args.port, None).await
    })
}

/// Starts logging, creates the first admin if needed, and serves. `banner`
/// is printed once the server listens (the demo's credentials).
pub async fn serve(
    store: Arc<dyn tl_store::Store>,
    bind: IpAddr,
    port: u16,
    banner: Option<String>,
) -> anyhow::Result<Outcome> {
    let _ = tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_target(false).try_init();
    let admin = tl_server::auth::ensure_admin(store.as_ref()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = match tokio::net::TcpListener::bind(SocketAddr::new(bind, port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {bind}:{port}: {e}");
            return Ok(Outcome::Unreadable);
        }
    };
    let addr = listener.local_addr()?;
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
    let host = if addr.is_ipv6() { format!("[{host}]") } else { host };
    println!("Throughline is serving at http://{host}:{}/", addr.port());
    if let Some((username, password)) = admin {
        println!("Created the first account; this password is shown only once:");
        println!("  username: {username}");
        println!("  password: {password}");
    }
    if let Some(banner) = banner {
        println!("{banner}");
    }
    println!("Press Ctrl-C to stop.");
    let config = Config { secure_cookies: !bind.is_loopback(), ..Config::default() };
    tl_server::serve(AppState::new(store, config), listener).await?;
    Ok(Outcome::Clean)
}
