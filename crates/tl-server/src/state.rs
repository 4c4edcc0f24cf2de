//! The server's shared state: the store, the configuration, the plan cached
//! per store revision, and the views derived from the plan and the live data
//! cached per (revision, live version, day).
//!
//! `Store::versions` reads the plan's revision and the live data's version
//! in one round trip, so every request checks both; the model is loaded
//! (parsed, validated, linted: CPU work, on a blocking thread) only when the
//! revision moved, and the live data and what is derived from it only when
//! either moved. Several instances on one database therefore each serve the
//! newest plan and the newest check-ins.

use crate::dto;
use crate::error::ApiError;
use crate::views::{self, Live};
use axum::body::Bytes;
use axum::http::HeaderValue;
use std::sync::{Arc, OnceLock, RwLock};
use tl_engine::scoring::{RankOptions, Ranking};
use tl_store::{Store, Versions};
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
    capacity: OnceLock<Arc<Vec<dto::TeamCapacity>>>,
    milestone_teams: OnceLock<views::MilestoneTeams>,
    /// `/api/scores` as JSON, serialised once (megabytes for a large plan).
    scores_json: OnceLock<Result<Bytes, String>>,
}

impl Plan {
    pub fn new(revision: i64, workspace: Workspace) -> Plan {
        Plan {
            revision,
            workspace,
            ranking: OnceLock::new(),
            capacity: OnceLock::new(),
            milestone_teams: OnceLock::new(),
            scores_json: OnceLock::new(),
        }
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

    /// Capacity, demand and utilization per team and quarter (computed once
    /// per revision; call it off the async threads the first time).
    pub fn capacity(&self) -> &Arc<Vec<dto::TeamCapacity>> {
        self.capacity.get_or_init(|| Arc::new(views::capacity(&self.workspace.model)))
    }

    /// The entity tag of what depends on the plan alone.
    pub fn etag(&self) -> HeaderValue {
        HeaderValue::from_str(&format!("\"p{}\"", self.revision)).expect("an entity tag is ASCII")
    }

    /// The scores and ranking as a JSON body (serialised once per revision;
    /// call it off the async threads the first time).
    pub fn scores_json(&self) -> Result<Bytes, ApiError> {
        let body = self.scores_json.get_or_init(|| {
            serde_json::to_vec(&views::ranking(self.model(), self.ranking()))
                .map(Bytes::from)
                .map_err(|e| format!("serialising the scores: {e}"))
        });
        body.clone().map_err(ApiError::internal)
    }

    /// Every milestone's team (computed once per revision).
    pub fn milestone_teams(&self) -> &views::MilestoneTeams {
        self.milestone_teams.get_or_init(|| views::MilestoneTeams::new(&self.workspace.model))
    }
}

/// The views derived from one plan, one version of the live data and one
/// day ("late" depends on the date). Each is computed the first time it is
/// asked for (CPU work: ask off the async threads, see `AppState::derive`)
/// and then shared; a concurrent asker waits for the one computing it.
pub struct Derived {
    pub plan: Arc<Plan>,
    /// The live data's version `live` was read at (or just before).
    pub live_version: i64,
    pub today: jiff::civil::Date,
    pub live: Arc<Live>,
    objectives: OnceLock<Arc<Vec<dto::Objective>>>,
    initiatives: OnceLock<Arc<Vec<dto::Initiative>>>,
    dependencies: OnceLock<Arc<Vec<dto::Dependency>>>,
    blockers: OnceLock<Arc<dto::Blockers>>,
    /// The overview page's user-independent view model.
    pub(crate) overview: OnceLock<Arc<crate::web::OverviewData>>,
    /// Delivery figures by (scope, definition, hour): reading and reducing
    /// the events takes tens of milliseconds once a repository's history is
    /// in; new events move the live version, which replaces this whole
    /// `Derived`, and the hour keeps the windows' ends current.
    pub(crate) delivery: std::sync::Mutex<DeliveryCache>,
    /// The large lists as JSON, serialised once (megabytes for a large
    /// organisation: serialising them per request dominated their cost).
    json: [OnceLock<Result<Bytes, String>>; JsonView::COUNT],
}

/// See `Derived::delivery`.
pub(crate) type DeliveryCache =
    std::collections::HashMap<(String, String, i64), Arc<crate::routes::delivery_metrics::Computed>>;

/// The views served whole as JSON from `Derived::json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonView {
    Objectives,
    Dependencies,
    CrossTeamDependencies,
    Blockers,
}

impl JsonView {
    const COUNT: usize = 4;
}

impl Derived {
    pub fn new(plan: Arc<Plan>, live_version: i64, today: jiff::civil::Date, live: Live) -> Derived {
        Derived {
            plan,
            live_version,
            today,
            live: Arc::new(live),
            objectives: OnceLock::new(),
            initiatives: OnceLock::new(),
            dependencies: OnceLock::new(),
            blockers: OnceLock::new(),
            overview: OnceLock::new(),
            delivery: Default::default(),
            json: Default::default(),
        }
    }

    pub fn model(&self) -> &tl_engine::Model {
        self.plan.model()
    }

    /// Every objective with its key results and progress.
    pub fn objectives(&self) -> &Arc<Vec<dto::Objective>> {
        self.objectives.get_or_init(|| Arc::new(views::objectives(self.model(), &self.live)))
    }

    /// Every initiative with its milestones' effective status.
    pub fn initiatives(&self) -> &Arc<Vec<dto::Initiative>> {
        self.initiatives.get_or_init(|| Arc::new(views::initiatives(self.model(), &self.live, self.today)))
    }

    /// Every dependency with its effective status and teams.
    pub fn dependencies(&self) -> &Arc<Vec<dto::Dependency>> {
        self.dependencies
            .get_or_init(|| Arc::new(views::dependencies_with(self.model(), &self.live, self.plan.milestone_teams())))
    }

    /// Open blockers.
    pub fn blockers(&self) -> &Arc<dto::Blockers> {
        self.blockers
            .get_or_init(|| Arc::new(views::blockers_with(self.model(), &self.live, self.today, self.dependencies())))
    }

    /// A view as a JSON body, serialised the first time.
    pub fn json(&self, view: JsonView) -> Result<Bytes, ApiError> {
        let cell = &self.json[view as usize];
        let body = cell.get_or_init(|| {
            let json = match view {
                JsonView::Objectives => serde_json::to_vec(self.objectives().as_slice()),
                JsonView::Dependencies => serde_json::to_vec(self.dependencies().as_slice()),
                JsonView::CrossTeamDependencies => {
                    serde_json::to_vec(&self.dependencies().iter().filter(|d| d.cross_team).collect::<Vec<_>>())
                }
                JsonView::Blockers => serde_json::to_vec(self.blockers().as_ref()),
            };
            json.map(Bytes::from).map_err(|e| format!("serialising {view:?}: {e}"))
        });
        body.clone().map_err(ApiError::internal)
    }

    /// Runs `get` on a blocking thread: views are computed the first time
    /// they are asked for, which is CPU work.
    pub async fn off_thread<T: Send + 'static>(
        self: &Arc<Self>,
        get: impl FnOnce(&Derived) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let derived = self.clone();
        Ok(tokio::task::spawn_blocking(move || get(&derived)).await?)
    }

    fn key(&self) -> (i64, i64, jiff::civil::Date) {
        (self.plan.revision, self.live_version, self.today)
    }

    /// The entity tag of everything derived here: the views are a function
    /// of the plan revision, the live data's version and the day.
    pub fn etag(&self) -> HeaderValue {
        let tag = format!("\"d{}.{}.{}\"", self.plan.revision, self.live_version, self.today.strftime("%Y%m%d"));
        HeaderValue::from_str(&tag).expect("an entity tag is ASCII")
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
    derived: RwLock<Option<Arc<Derived>>>,
    deriving: tokio::sync::Mutex<()>,
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
        self.plan_at(revision).await
    }

    /// The plan at `revision` or newer.
    async fn plan_at(&self, revision: i64) -> Result<Arc<Plan>, ApiError> {
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

    /// The views derived from the current plan and live data: from the cache
    /// when neither moved (one round trip to the store), else rebuilt, one
    /// builder at a time. Only the live data is read here; each view is
    /// computed when first asked for.
    pub async fn derived(&self) -> Result<Arc<Derived>, ApiError> {
        let versions = self.store.versions().await?;
        let today = crate::routes::today();
        if let Some(d) = self.cached_derived(versions, today) {
            return Ok(d);
        }
        let _deriving = self.cache.deriving.lock().await;
        if let Some(d) = self.cached_derived(versions, today) {
            return Ok(d);
        }
        let plan = self.plan_at(versions.plan).await?;
        // Read after the version: a write landing in between makes this
        // newer than its label, never older, and the next request sees the
        // version move and reloads.
        let mut live = Live::load(self.store.as_ref()).await?;
        // Values measured from delivery events: recording events moves the
        // live version too, and `today` in the key refreshes the windows.
        live.measure(self.store.as_ref(), plan.clone()).await?;
        let derived = Arc::new(Derived::new(plan, versions.live, today, live));
        let mut current = self.cache.derived.write().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_none_or(|d| d.key() <= derived.key()) {
            *current = Some(derived.clone());
        }
        Ok(derived)
    }

    /// Whether the overview for these versions (today) is computed already,
    /// so that the next page is served from the cache: what the warmer is
    /// for. Computes nothing.
    pub fn is_warm(&self, versions: Versions) -> bool {
        self.cached_derived(versions, crate::routes::today()).is_some_and(|d| d.overview.get().is_some())
    }

    fn cached_derived(&self, versions: Versions, today: jiff::civil::Date) -> Option<Arc<Derived>> {
        let current = self.cache.derived.read().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|d| d.plan.revision == versions.plan && d.live_version == versions.live && d.today == today)
            .cloned()
    }

    /// A derived view: `get` reads it from the current `Derived`, computing
    /// it the first time, which happens on a blocking thread.
    pub async fn derive<T: Send + 'static>(
        &self,
        get: impl FnOnce(&Derived) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        self.derived().await?.off_thread(get).await
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
