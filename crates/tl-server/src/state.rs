//! The server's shared state: the store, the configuration, and the plan
//! cached per store revision. `Store::revision` is one row, so every request
//! checks it; the model is loaded (parsed, validated, linted: CPU work, on a
//! blocking thread) only when the revision moved. Several instances on one
//! database therefore each serve the newest plan.

use crate::error::ApiError;
use std::sync::{Arc, OnceLock, RwLock};
use tl_engine::scoring::{RankOptions, Ranking};
use tl_store::Store;
use tl_workspace::Workspace;
use tl_workspace::source::Sources;

/// Settings the handlers need.
#[derive(Clone, Debug)]
pub struct Config {
    /// Send cookies with `Secure` (off when serving on loopback over HTTP).
    pub secure_cookies: bool,
    /// Login attempts per client address: the burst allowed...
    pub login_burst: u32,
    /// ...and the seconds it takes to earn one more attempt.
    pub login_replenish_seconds: u64,
    /// How long a login session lasts.
    pub session_hours: i64,
}

impl Default for Config {
    fn default() -> Config {
        Config { secure_cookies: false, login_burst: 10, login_replenish_seconds: 6, session_hours: 12 }
    }
}

/// The plan at one revision, with what is costly to compute from it.
pub struct Plan {
    pub revision: i64,
    pub workspace: Workspace,
    ranking: OnceLock<Ranking>,
}

impl Plan {
    pub fn new(revision: i64, workspace: Workspace) -> Plan {
        Plan { revision, workspace, ranking: OnceLock::new() }
    }

    /// The empty plan of a database nothing was applied to.
    pub fn empty() -> Plan {
        Plan::new(
            0,
            Workspace { sources: Sources::default(), model: tl_engine::Model::default(), diagnostics: Vec::new() },
        )
    }

    pub fn model(&self) -> &tl_engine::Model {
        &self.workspace.model
    }

    /// The initiative ranking (computed once per revision; call it off the
    /// async threads the first time).
    pub fn ranking(&self) -> &Ranking {
        self.ranking.get_or_init(|| tl_engine::scoring::rank(&self.workspace.model, RankOptions::default()))
    }
}

/// Everything a handler can reach. Cloning is cheap.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    cache: Arc<PlanCache>,
}

#[derive(Default)]
struct PlanCache {
    current: RwLock<Option<Arc<Plan>>>,
    loading: tokio::sync::Mutex<()>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> AppState {
        AppState { store, config: Arc::new(config), cache: Arc::default() }
    }

    fn cached(&self, revision: i64) -> Option<Arc<Plan>> {
        let current = self.cache.current.read().unwrap_or_else(|e| e.into_inner());
        current.as_ref().filter(|p| p.revision == revision).cloned()
    }

    /// The current plan, from the cache if the store's revision has not moved.
    pub async fn plan(&self) -> Result<Arc<Plan>, ApiError> {
        let revision = self.store.revision().await?;
        if let Some(plan) = self.cached(revision) {
            return Ok(plan);
        }
        // One loader at a time: concurrent requests after an apply wait for
        // it rather than each parsing the same plan.
        let _loading = self.cache.loading.lock().await;
        if let Some(plan) = self.cached(revision) {
            return Ok(plan);
        }
        let files = self.store.plan_files().await?;
        let plan = if files.revision == 0 {
            Plan::empty()
        } else {
            let stored = tokio::task::spawn_blocking(move || tl_store::plan::load(files)).await??;
            Plan::new(stored.revision, stored.workspace)
        };
        let plan = Arc::new(plan);
        let mut current = self.cache.current.write().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_none_or(|p| p.revision <= plan.revision) {
            *current = Some(plan.clone());
        }
        Ok(plan)
    }

    /// Runs CPU work on the plan off the async threads.
    pub async fn with_plan<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Plan) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let plan = self.plan().await?;
        Ok(tokio::task::spawn_blocking(move || f(&plan)).await?)
    }
}
