//! What every browser test needs: the server in-process on a free loopback
//! port (a fresh SQLite file with the example organisation, a quarter of
//! check-in history, and a user of each role), Debian's chromedriver on
//! another free port, and a headless Chromium session driven through it.
//!
//! Without Chromium or chromedriver a test prints a skip note and passes,
//! unless `TL_REQUIRE_BROWSER=1` (set by `.ci/run`), when it fails.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tl_server::{AppState, Config};
use tl_store::{NewUser, Role, Store};

/// The password of every test user.
pub const PASSWORD: &str = "correct horse battery";
/// The users: a viewer, an editor and an admin.
pub const VIEWER: &str = "vera";
pub const EDITOR: &str = "eddie";
pub const ADMIN: &str = "ada";

/// How long one test may take, browser start-up included.
const BUDGET: Duration = Duration::from_secs(45);
/// The browser window: a laptop screen.
pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 800;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A temporary folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> TempDir {
        let dir = TempDir(std::env::temp_dir().join(unique_name(prefix)));
        std::fs::create_dir_all(&dir.0).expect("a temporary folder");
        dir
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Chromium and chromedriver, found on this machine.
struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

fn find_program(env: &str, default: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let default = PathBuf::from(default);
    if default.is_file() {
        return Some(default);
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// The browser tools, or `None` after printing why the test is skipped;
/// panics instead when `TL_REQUIRE_BROWSER` is set.
fn tools(test: &str) -> Option<Tools> {
    let chromium = find_program("TL_CHROMIUM", "/usr/bin/chromium", "chromium");
    let chromedriver = find_program("TL_CHROMEDRIVER", "/usr/bin/chromedriver", "chromedriver");
    if let (Some(chromium), Some(chromedriver)) = (&chromium, &chromedriver) {
        return Some(Tools { chromium: chromium.clone(), chromedriver: chromedriver.clone() });
    }
    let missing: Vec<&str> = [("chromium", chromium.is_none()), ("chromedriver", chromedriver.is_none())]
        .into_iter()
        .filter_map(|(name, missing)| missing.then_some(name))
        .collect();
    let why = format!(
        "browser test `{test}`: {} not found (install Debian's packages: apt-get install chromium chromium-driver, \
         or set TL_CHROMIUM / TL_CHROMEDRIVER)",
        missing.join(" and ")
    );
    let required = std::env::var("TL_REQUIRE_BROWSER").is_ok_and(|v| !v.is_empty() && v != "0");
    if required {
        panic!("{why}; TL_REQUIRE_BROWSER is set, so this is a failure, not a skip");
    }
    note(&format!("SKIPPED {why}; set TL_REQUIRE_BROWSER=1 to make this a failure"));
    None
}

/// Prints a line that the test harness does not capture, so that a skip
/// shows in a normal `cargo test` run.
pub fn note(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free loopback port").port()
}

/// The server, in-process, on its own runtime task.
struct Server {
    base: String,
    store: Arc<dyn Store>,
    organisation: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: TempDir,
}

impl Server {
    async fn start() -> Server {
        let dir = TempDir::new("tl_browser_db");
        let store = tl_store::open(&dir.0.join("t.db").display().to_string()).await.expect("open the store");
        let ws = tl_workspace::load(&repo_root().join("examples/acme"));
        let now = jiff::Timestamp::now();
        let request =
            tl_app::ApplyRequest { author: "browser-test".into(), at: now, force: false, expected_revision: None };
        tl_app::apply_workspace(&store, &ws, request).await.expect("apply examples/acme");
        // The demo's quarter of delivery events and weekly check-ins, so
        // that the pages show history as a user would see it.
        let events = tl_app::history::delivery_history(&ws.model, 7, now);
        store.record_events(&events).await.expect("the demo's delivery events");
        let delivery = tl_app::delivery::Delivery::new(&ws.model);
        let stored = tl_app::delivery::load_events(&store, &delivery, now).await.expect("read the events");
        let mut history = tl_app::history::check_in_history(&ws.model, 7, now);
        tl_app::history::align_with_measured(&ws.model, &mut history, &delivery.measure_plan(&ws.model, &stored, now));
        for (key_result, check_ins) in history {
            for (version, check_in) in check_ins.into_iter().enumerate() {
                store.record_check_in(&key_result, version as i64, check_in).await.expect("a check-in");
            }
        }
        for (metric, readings) in tl_app::history::metric_check_in_history(&ws.model, 7, now) {
            for (version, reading) in readings.into_iter().enumerate() {
                store.record_metric_check_in(&metric, version as i64, reading).await.expect("a metric reading");
            }
        }
        // A second revision, so that the history pages have a diff to show:
        // an initiative renamed and rescheduled, a risk removed.
        let mut next = ws.model.clone();
        next.initiatives[0].title.push_str(" (rescoped)");
        if let Some(m) = next.initiatives[0].milestones.first_mut() {
            m.due = m.due.map(|d| d.saturating_add(jiff::Span::new().days(14)));
        }
        next.risks.pop();
        let options = tl_store::ApplyOptions {
            author: "browser-test".into(),
            at: now,
            expected_revision: Some(1),
            forced: false,
        };
        store.apply(&next, options).await.expect("apply a second revision");
        let store: Arc<dyn Store> = Arc::new(store);
        let password_hash = tl_server::auth::hash_password(PASSWORD).expect("hash");
        for (name, role) in [(VIEWER, Role::Viewer), (EDITOR, Role::Editor), (ADMIN, Role::Admin)] {
            let user = NewUser { username: name.into(), role, password_hash: password_hash.clone(), at: now };
            store.create_user(user).await.expect("create a user");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the server");
        let addr: SocketAddr = listener.local_addr().expect("the server's address");
        let state = AppState::new(store.clone(), Config::default());
        let task = tokio::spawn(tl_server::serve(state, listener));
        Server {
            base: format!("http://{addr}"),
            store,
            organisation: ws.model.organisation.name.clone(),
            task,
            _dir: dir,
        }
    }
}

/// chromedriver in its own process group, with Chromium's profile folder.
/// Dropping it ends the group: chromedriver and any Chromium it left.
struct Driver {
    child: Child,
    port: u16,
    profile: TempDir,
    log: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Only the group this test started (its id is chromedriver's pid).
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

async fn start_browser(tools: &Tools) -> (Driver, Client) {
    let profile = TempDir::new("tl_browserprofile");
    let port = free_port();
    let log = std::env::temp_dir().join(unique_name("tl_chromedriver")).with_extension("log");
    let child = Command::new(&tools.chromedriver)
        .arg(format!("--port={port}"))
        .arg(format!("--log-path={}", log.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", tools.chromedriver.display()));
    let driver = Driver { child, port, profile, log };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", driver.port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen on port {} within 10 s", driver.port);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ]
    .into_iter()
    .map(String::from)
    .chain([format!("--user-data-dir={}", driver.profile.0.display()), format!("--window-size={WIDTH},{HEIGHT}")])
    .collect::<Vec<_>>();
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": tools.chromium.display().to_string(), "args": args},
    });
    let Value::Object(capabilities) = capabilities else { unreachable!() };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = match ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
    {
        Ok(client) => client,
        Err(e) => {
            let log = std::fs::read_to_string(&driver.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            panic!("cannot start a Chromium session through chromedriver: {e}\nchromedriver log:\n{}", tail.join("\n"));
        }
    };
    set_viewport(&client, WIDTH, HEIGHT).await;
    (driver, client)
}

/// Sizes the window so that the page itself gets `width` x `height` pixels
/// (headless Chromium keeps room for browser chrome it does not draw).
async fn set_viewport(client: &Client, width: u32, height: u32) {
    client.set_window_size(width, height).await.expect("set the window size");
    let inner = client.execute("return [window.innerWidth, window.innerHeight]", vec![]).await.expect("viewport");
    let (w, h) = (inner[0].as_u64().unwrap_or(0) as u32, inner[1].as_u64().unwrap_or(0) as u32);
    if (w, h) != (width, height) && w > 0 && h > 0 {
        let (w, h) = ((2 * width).saturating_sub(w), (2 * height).saturating_sub(h));
        client.set_window_size(w, h).await.expect("set the window size");
    }
}

/// Runs `body` against a fresh server in a fresh headless Chromium; closes
/// the browser whatever happens, then passes on the body's panic.
pub async fn run<F, Fut>(test: &'static str, body: F)
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(tools) = tools(test) else { return };
    let started = Instant::now();
    let server = Server::start().await;
    let (driver, client) = start_browser(&tools).await;
    let session = Session {
        client: client.clone(),
        base: server.base.clone(),
        store: server.store.clone(),
        organisation: server.organisation.clone(),
        test,
    };
    let outcome = tokio::time::timeout(BUDGET, tokio::spawn(body(session))).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
    drop(driver);
    server.task.abort();
    eprintln!("browser test `{test}` took {:.1} s", started.elapsed().as_secs_f64());
    match outcome {
        Err(_) => panic!("browser test `{test}` took longer than {} s", BUDGET.as_secs()),
        Ok(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Ok(Err(e)) => panic!("browser test `{test}` failed: {e}"),
        Ok(Ok(())) => {}
    }
}

/// The folder the screenshots go to: `target/browser-screenshots`.
pub fn screenshot_dir() -> PathBuf {
    // The test binary is target/<profile>/deps/browser-<hash>.
    let exe = std::env::current_exe().expect("the test binary's path");
    let target = exe
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "deps"))
        .and_then(|deps| deps.parent()?.parent())
        .map_or_else(|| repo_root().join("target"), Path::to_path_buf);
    target.join("browser-screenshots")
}

/// One test's view: the browser, the server's address and its store.
#[derive(Clone)]
pub struct Session {
    pub client: Client,
    pub base: String,
    pub store: Arc<dyn Store>,
    pub organisation: String,
    pub test: &'static str,
}

/// Text that only a failed page shows.
const SERVER_ERROR_TEXT: &[&str] =
    &["internal server error", "\"code\":\"internal\"", "rendering a page failed", "panicked", "{{", "{%"];

impl Session {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&self.url(path)).await.unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The path (and query) the browser is on.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The HTTP status of a GET from the page, with the session's cookie.
    pub async fn status(&self, path: &str) -> u16 {
        let script = "const [path, done] = arguments; \
            fetch(path, {credentials: 'same-origin'}).then(r => done(r.status), e => done(String(e)));";
        let v = self.client.execute_async(script, vec![json!(path)]).await.expect("fetch");
        v.as_u64().unwrap_or_else(|| panic!("GET {path} from the page failed: {v}")) as u16
    }

    /// The status and body of a form POST from the page (urlencoded, with
    /// the session's cookie), without navigating.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let fields: serde_json::Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        let script = "const [path, fields, done] = arguments; \
            fetch(path, {method: 'POST', credentials: 'same-origin', body: new URLSearchParams(fields)}) \
              .then(r => r.text().then(t => done([r.status, t])), e => done([0, String(e)]));";
        let v = self.client.execute_async(script, vec![json!(path), Value::Object(fields)]).await.expect("fetch");
        let status = v[0].as_u64().unwrap_or(0) as u16;
        assert!(status != 0, "POST {path} from the page failed: {v}");
        (status, v[1].as_str().unwrap_or_default().to_string())
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no `{css}` on {}: {e}", self.url("")))
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.map_or(0, |all| all.len())
    }

    /// The visible text of the element `locator` finds.
    pub async fn text_of(&self, locator: Locator<'_>) -> String {
        let element = self.client.find(locator).await.unwrap_or_else(|e| panic!("no {locator:?} on the page: {e}"));
        element.text().await.expect("the element's text")
    }

    /// The HTML of the element `locator` finds (itself included).
    pub async fn html_of(&self, locator: Locator<'_>) -> String {
        let element = self.client.find(locator).await.unwrap_or_else(|e| panic!("no {locator:?} on the page: {e}"));
        element.html(false).await.expect("the element's HTML")
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.find("body").await.text().await.expect("the page's text")
    }

    /// Waits until the browser is on a page other than `from`.
    pub async fn wait_to_leave(&self, from: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let path = self.path().await;
            let ready = self.js("return document.readyState", vec![]).await;
            if path != from && ready == "complete" {
                return;
            }
            assert!(Instant::now() < deadline, "still on {from} after 10 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Logs in through the login form, as a user would.
    pub async fn login(&self, username: &str) {
        self.goto("/login").await;
        self.find("input[name=username]").await.send_keys(username).await.expect("type the username");
        self.find("input[name=password]").await.send_keys(PASSWORD).await.expect("type the password");
        self.find("form[action='/login'] button[type=submit]").await.click().await.expect("click Log in");
        self.wait_to_leave("/login").await;
        let text = self.text().await;
        assert!(text.contains(username), "after logging in as {username} the page does not name the user:\n{text}");
    }

    /// Asserts what every page must have: one `<main>`, one `<h1>` whose
    /// text contains one of `headings` (case-insensitive; `ORGANISATION`
    /// stands for the organisation's name), and no server error text.
    /// Returns the heading.
    pub async fn check_page(&self, path: &str, headings: &[&str]) -> String {
        let h1s = self.client.find_all(Locator::Css("h1")).await.expect("h1");
        assert_eq!(h1s.len(), 1, "{path}: expected one <h1>, found {}", h1s.len());
        let heading = h1s[0].text().await.expect("the heading's text");
        let lower = heading.to_lowercase();
        let matches = headings.iter().any(|h| {
            let h = if *h == ORGANISATION { self.organisation.to_lowercase() } else { h.to_lowercase() };
            lower.contains(&h)
        });
        assert!(matches, "{path}: the main heading is {heading:?}; expected one naming {headings:?}");
        assert_eq!(self.count("main").await, 1, "{path}: expected one <main>");
        let text = self.text().await.to_lowercase();
        for bad in SERVER_ERROR_TEXT {
            assert!(!text.contains(bad), "{path}: the page shows {bad:?}:\n{text}");
        }
        let title = self.client.title().await.expect("the title");
        assert!(!title.trim().is_empty(), "{path}: the page has no <title>");
        heading
    }

    /// A full-page screenshot at the laptop width, saved as
    /// `target/browser-screenshots/<test>-<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let height = self.js("return document.documentElement.scrollHeight", vec![]).await.as_u64().unwrap_or(0);
        let height = (height as u32).clamp(HEIGHT, 16000);
        set_viewport(&self.client, WIDTH, height).await;
        let png = self.client.screenshot().await.expect("a screenshot");
        set_viewport(&self.client, WIDTH, HEIGHT).await;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("the screenshot folder");
        let path = dir.join(format!("{}-{name}.png", self.test));
        std::fs::write(&path, png).expect("write the screenshot");
        println!("screenshot: {}", path.display());
        path
    }

    /// Warns (does not fail) when the page is wider than the laptop window.
    pub async fn warn_if_wider_than_window(&self, path: &str) {
        let wide = self
            .js("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]", vec![])
            .await;
        if let (Some(scroll), Some(client)) = (wide[0].as_u64(), wide[1].as_u64())
            && scroll > client
        {
            println!("warning: {path} is {scroll}px wide in a {client}px window (scrolls sideways)");
        }
    }
}

/// In a heading list, the organisation's name.
pub const ORGANISATION: &str = "{organisation}";
