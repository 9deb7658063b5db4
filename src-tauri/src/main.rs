//! Groundwork's desktop shell: one Tauri 2 window over the `groundwork` engine. It runs the
//! engine's peer in-process (so a running app is a full peer on the LAN) and turns IPC calls
//! into engine calls; every rule about briefs lives in the engine (`groundwork::frontend`).
//!
//! The UI's Yjs document per open brief is one more peer of the engine's document: `open_brief`
//! attaches it and hands over the first messages; everything after travels both ways over the
//! editor's loopback WebSocket (`groundwork::frontend::socket`, whose URL `editor_socket` gives).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc, as in every Groundwork binary (`groundwork::allocator` says why)
#[global_allocator]
static ALLOC: groundwork::allocator::Allocator = groundwork::allocator::ALLOCATOR;

mod closing;
mod commands;
mod display;
mod files;
mod instance;
mod jsengine;
mod memory;
mod placement;
mod rendering;

use groundwork::frontend::socket::EditorSockets;
use groundwork::frontend::{Handle, Library};
use groundwork::net::{self, Frontend, ServeConfig};
use groundwork::Engine;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tauri::Manager;
use tokio::sync::{mpsc, oneshot};

/// What the IPC commands share.
pub struct AppState {
    pub handle: Handle,
    pub library: Library,
    pub data_dir: PathBuf,
    /// Set by `GROUNDWORK_EXPORT_DIR`: exports go there instead of asking.
    pub export_dir: Option<PathBuf>,
    pub listen: Mutex<Option<String>>,
    /// Gives the heap back after briefs were loaded (see `memory`).
    pub trimmer: memory::Trimmer,
    /// The open editors' WebSocket links to the engine (`groundwork::frontend::socket`).
    pub sockets: EditorSockets,
    /// Close requests the UI has to answer (see `closing`).
    pub closing: closing::Guard,
    /// The window's size and place and the open brief, restored at start (see `placement`).
    pub placement: placement::Memory,
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
    serving: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
}

fn data_dir() -> Result<PathBuf, String> {
    std::env::var_os("GROUNDWORK_DATA_DIR")
        .map(PathBuf::from)
        .or_else(groundwork::engine::default_data_dir)
        .ok_or_else(|| "no data directory: set GROUNDWORK_DATA_DIR".to_string())
}

/// `GROUNDWORK_EXPORT_DIR`: exports go there without a dialog (see `files`).
fn export_dir() -> Option<PathBuf> {
    std::env::var_os("GROUNDWORK_EXPORT_DIR").map(PathBuf::from)
}

/// The address to listen on: `GROUNDWORK_LISTEN`, else the usual port if it is free, else
/// any free port (a CLI `serve` may already hold the usual one).
fn listen_addr() -> String {
    if let Ok(a) = std::env::var("GROUNDWORK_LISTEN") {
        return a;
    }
    let usual = "0.0.0.0:7471";
    match std::net::TcpListener::bind(usual) {
        Ok(l) => {
            drop(l);
            usual.to_string()
        }
        Err(_) => "0.0.0.0:0".to_string(),
    }
}

async fn start() -> Result<AppState, String> {
    let dir = data_dir()?;
    let hub_engine = Engine::open(&dir)
        .await
        .map_err(|e| format!("cannot open {}: {e}", dir.display()))?;
    let library_engine = Engine::open(&dir)
        .await
        .map_err(|e| format!("cannot open {}: {e}", dir.display()))?;
    let (tx, commands) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let cfg = ServeConfig {
        listen: listen_addr(),
        mdns: std::env::var_os("GROUNDWORK_NO_MDNS").is_none(),
        // peers to dial besides those mDNS finds (comma-separated addresses), as `serve --peer`
        peers: std::env::var("GROUNDWORK_PEERS")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        ..ServeConfig::default()
    };
    let (addr_tx, addr_rx) = oneshot::channel();
    let serving = tauri::async_runtime::spawn(async move {
        let r = net::serve_with(
            hub_engine,
            cfg,
            move |addr| {
                let _ = addr_tx.send(addr.to_string());
            },
            async {
                let _ = stopped.await;
            },
            Frontend {
                commands: Some(commands),
                notices: None,
            },
        )
        .await;
        if let Err(e) = r {
            tracing::error!(error = %e, "the peer stopped");
        }
    });
    let listen = addr_rx.await.ok();
    if let Some(a) = &listen {
        tracing::info!(listen = %a, data_dir = %dir.display(), "engine running");
    }
    let handle = Handle::new(tx, library_engine);
    let trimmer = memory::Trimmer::start();
    // a burst of typing churns the heap (flushes, compactions): give it back once it stops
    let typed = trimmer.clone();
    let sockets = EditorSockets::start(handle.clone(), move || typed.soon())
        .await
        .map_err(|e| format!("could not listen for the editor's link: {e}"))?;
    Ok(AppState {
        handle,
        library: Library::default(),
        export_dir: export_dir(),
        listen: Mutex::new(listen),
        trimmer,
        sockets,
        closing: closing::Guard::default(),
        placement: placement::Memory::load(&dir),
        shutdown: Mutex::new(Some(stop)),
        serving: Mutex::new(Some(serving)),
        data_dir: dir,
    })
}

impl AppState {
    /// Stops the peer and waits for its last flush (everything acknowledged is stored
    /// already; this also withdraws presence and closes the database cleanly).
    fn stop(&self) {
        if let Some(stop) = self
            .shutdown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            let _ = stop.send(());
        }
        let serving = self
            .serving
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(serving) = serving {
            tauri::async_runtime::block_on(async {
                let _ = tokio::time::timeout(std::time::Duration::from_secs(5), serving).await;
            });
        }
    }
}

/// Set once the window is asked to close: a later launch then waits for this app to end.
static CLOSING: AtomicBool = AtomicBool::new(false);

/// Brings the window forward for a second launch on this data directory; false while closing.
fn raise(handle: &tauri::AppHandle, raised: &AtomicUsize) -> bool {
    if CLOSING.load(Ordering::SeqCst) {
        return false;
    }
    let Some(w) = handle.get_webview_window("main") else {
        return false;
    };
    let _ = w.unminimize();
    let _ = w.show();
    let _ = w.set_focus();
    let n = raised.fetch_add(1, Ordering::SeqCst) + 1;
    tracing::info!(
        times = n,
        "a second launch on this data directory: window brought forward"
    );
    commands::metric("raised".into(), n as f64, String::new());
    // the end-to-end test reads it
    let _ = w.eval(format!("document.body.dataset.raised = '{n}'"));
    true
}

/// `--version` and `--help`; anything else (a desktop launcher's arguments) is ignored.
fn arguments() {
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--version" | "-V" => {
                println!("groundwork-app {}", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            "--help" | "-h" => {
                println!(
                    "groundwork-app {}: the Groundwork desktop app\n\n\
                     Environment: GROUNDWORK_DATA_DIR (where the briefs are kept), \
                     GROUNDWORK_LISTEN (address for peers), GROUNDWORK_EXPORT_DIR.\n\
                     A second launch on the same data directory brings the open window forward.\n\
                     The command-line tool is `groundwork`.",
                    env!("CARGO_PKG_VERSION")
                );
                std::process::exit(0);
            }
            _ => {}
        }
    }
}

fn main() {
    arguments();
    // first, while this is the only thread: WebKit reads these when it starts its web process
    let compositing = rendering::apply();
    let js_engine = jsengine::apply();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    tracing::info!(?compositing, "web view drawing");
    tracing::info!(?js_engine, "web view JavaScript engine");
    let (on, why) = match compositing {
        rendering::Compositing::On(why) => (1.0, why),
        rendering::Compositing::Off(why) => (0.0, why),
    };
    commands::metric("compositing".into(), on, why.into());
    for (name, value, detail) in js_engine.metrics() {
        commands::metric(name.into(), value, detail);
    }
    if let Err(e) = display::check() {
        tracing::error!(error = %e, "no window");
        eprintln!("groundwork: {e}");
        std::process::exit(1);
    }
    // one app per data directory: a second launch brings the first forward and ends here
    // (before a window or the database; after the display check, so no display creates nothing)
    let primary =
        match data_dir().map(|d| (instance::start(&d, std::time::Duration::from_secs(15)), d)) {
            Ok((Ok(instance::Start::Primary(p)), _)) => Some(p),
            Ok((Ok(instance::Start::Raised), dir)) => {
                eprintln!(
                    "groundwork: already open on {}; brought its window forward",
                    dir.display()
                );
                std::process::exit(0);
            }
            Ok((Err(e), _)) => {
                eprintln!("groundwork: {e}");
                std::process::exit(1);
            }
            Err(_) => None, // no data directory: start() says so below
        };
    let state = match tauri::async_runtime::block_on(start()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            eprintln!("groundwork: {e}");
            std::process::exit(1);
        }
    };
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(state)
        .setup(|app| {
            // the window is made hidden (tauri.conf.json) and shown where it was last
            if let Some(w) = app.get_webview_window("main") {
                placement::restore(&w, &app.state::<AppState>().placement);
                let _ = w.show();
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::profile,
            commands::set_profile,
            commands::templates,
            commands::list_briefs,
            commands::create_brief,
            commands::import_markdown,
            commands::open_brief,
            commands::editor_socket,
            commands::close_brief,
            commands::brief_op,
            commands::export_brief,
            commands::export_decision,
            commands::open_markdown,
            commands::metric,
            commands::invite_brief,
            commands::join_brief,
            commands::access,
            commands::approve_device,
            commands::remove_device,
            commands::hold_close,
            commands::sync_status,
            commands::dismiss_receipt,
            commands::devices,
            commands::add_peer,
            commands::relays,
            commands::add_relay,
            commands::remove_relay,
            commands::last_brief,
            commands::remember_brief,
            commands::authors,
            commands::versions,
            commands::since_looked,
            commands::mark_seen,
            commands::version_diff,
            commands::version_sections,
        ])
        .on_window_event(|window, event| {
            placement::follow(window, &window.state::<AppState>().placement, event);
            if let tauri::WindowEvent::CloseRequested { .. } = event {
                CLOSING.store(true, Ordering::SeqCst);
                // the UI answers (see `closing`); if it does not, close anyway after GRACE
                let n = window.state::<AppState>().closing.requested();
                let window = window.clone();
                tauri::async_runtime::spawn(async move {
                    tokio::time::sleep(closing::GRACE).await;
                    if window.state::<AppState>().closing.unanswered(n) {
                        tracing::warn!("the window did not answer a close request; closing it");
                        let _ = window.destroy();
                    }
                });
            }
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("groundwork: cannot open the window: {e}");
            std::process::exit(1);
        }
    };
    if let Some(primary) = primary {
        let handle = app.handle().clone();
        let raised = Arc::new(AtomicUsize::new(0));
        primary.serve(move || raise(&handle, &raised));
    }
    app.run(|handle, event| {
        if let tauri::RunEvent::ExitRequested { .. } = event {
            CLOSING.store(true, Ordering::SeqCst);
        }
        if let tauri::RunEvent::Exit = event {
            handle.state::<AppState>().placement.store();
            handle.state::<AppState>().stop();
        }
    });
}
