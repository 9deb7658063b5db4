//! The headless command-line interface: argument parsing (clap) and one function per command.
//! Every command that exits 0 has durably stored what it did (it flushes before returning).
//! Errors are one sentence on stderr with exit status 1; usage errors exit 2 (clap).

use crate::brief::{Brief, NewDecision};
use crate::engine::{default_data_dir, Engine, EngineError, OpenBrief};
use crate::export::{self, ImportError};
use crate::model::{
    parse_list, ConcernKind, ConcernStatus, ParseNameError, Role, Section, Template,
};
use crate::trace::{Trace, TraceError};
use crate::typing::SectionTypist;
use clap::{Parser, Subcommand, ValueEnum};

mod relay;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "groundwork",
    version,
    about = "Problem-first briefs, co-edited peer to peer. Headless CLI."
)]
pub struct Cli {
    /// Data directory (default: the platform's data directory).
    #[arg(long, global = true, env = "GROUNDWORK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ShowFormat {
    Md,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
    Html,
    /// The brief laid out for paper (problem space first); binary: use --output or a pipe
    Pdf,
    /// The whole document as one Yjs update (v1), for `Y.applyUpdate` in any Yjs tool
    Yjs,
    /// One decision (--decision) as an Architecture Decision Record, MADR layout
    Adr,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show or change this device's name and default role.
    Identity {
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum, ignore_case = true)]
        role: Option<Role>,
    },
    /// Create a brief; prints its id.
    New {
        title: String,
        #[arg(long, value_enum, ignore_case = true, default_value_t = Template::ProblemFirst)]
        template: Template,
    },
    /// List briefs: id, title, last change; with --search, only those holding every word.
    List {
        /// Words to find in titles, sections, decisions, concerns and questions (each as a
        /// word or the start of one); prints the passage that matched under each brief.
        #[arg(long, short)]
        search: Option<String>,
    },
    /// Print a brief.
    Show {
        brief: String,
        #[arg(long, value_enum, default_value = "md")]
        format: ShowFormat,
    },
    /// Who wrote what in a section: one line per run of one author's text, tab-separated:
    /// block number, name, role, text (tabs and newlines in it as \t and \n); unknown
    /// authors as "unknown" with the yrs client id.
    Blame {
        brief: String,
        section: String,
        #[arg(long, value_enum, default_value = "md")]
        format: ShowFormat,
    },
    /// Comment on text in a section: the thread is anchored to the quoted words (the first
    /// place they appear, within one paragraph); prints the thread's id.
    Comment {
        brief: String,
        section: String,
        #[arg(long, allow_hyphen_values = true)]
        quote: String,
        /// problem or solution (default: the section's space)
        #[arg(long)]
        tag: Option<String>,
        #[arg(allow_hyphen_values = true)]
        text: String,
    },
    /// Reply in a comment thread.
    Reply {
        brief: String,
        thread: String,
        #[arg(allow_hyphen_values = true)]
        text: String,
    },
    /// Resolve a comment thread (--reopen opens it again).
    Resolve {
        brief: String,
        thread: String,
        #[arg(long)]
        reopen: bool,
    },
    /// List comment threads: id, open/resolved, tag, section, the words they are on, replies.
    Comments {
        brief: String,
        #[arg(long, value_enum, default_value = "md")]
        format: ShowFormat,
    },
    /// What others changed since you last looked at the brief on this device (in the app, or
    /// `seen`): per section, who and how much, and the words.
    Changes { brief: String },
    /// Mark the brief as seen: `changes` then starts from what it is now.
    Seen { brief: String },
    /// Sync a brief beyond this network through a Yjs WebSocket server (y-websocket, y-sweet,
    /// Hocuspocus): add, list or remove its relays. The server holds the brief in plain form.
    Relay {
        #[command(subcommand)]
        command: relay::RelayCommand,
    },
    /// Save the brief as it reads now as a named version; prints its id.
    Version { brief: String, name: String },
    /// List a brief's versions, oldest first: id, time, kind, who, name.
    Versions { brief: String },
    /// How each section differs between a version and now, word by word ([-deleted-],
    /// {+inserted+}); only changed sections.
    Diff {
        brief: String,
        version: String,
        #[arg(long, value_enum, default_value = "md")]
        format: ShowFormat,
    },
    /// Restore a version (or one section of it) as a new change every peer receives.
    Restore {
        brief: String,
        version: String,
        #[arg(long)]
        section: Option<String>,
    },
    /// Replace a section's text ("-" reads standard input).
    Set {
        brief: String,
        section: String,
        #[arg(allow_hyphen_values = true)]
        text: String,
    },
    /// Append a paragraph to a section ("-" reads standard input).
    Append {
        brief: String,
        section: String,
        #[arg(allow_hyphen_values = true)]
        text: String,
    },
    /// Log a decision.
    Decide {
        brief: String,
        #[arg(long, allow_hyphen_values = true)]
        decision: String,
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        context: String,
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        alternatives: String,
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        tradeoffs: String,
        /// Roles, comma separated (pm,engineer,designer)
        #[arg(long, default_value = "")]
        by: String,
        /// Sections, comma separated
        #[arg(long, default_value = "")]
        rests_on: String,
    },
    /// Raise a concern.
    Concern {
        brief: String,
        #[arg(long, value_enum, ignore_case = true)]
        kind: ConcernKind,
        /// The role raising it (default: this device's role)
        #[arg(long, value_enum, ignore_case = true)]
        role: Option<Role>,
        #[arg(allow_hyphen_values = true)]
        text: String,
    },
    /// Change a concern's status (open, addressed, accepted).
    ConcernStatus {
        brief: String,
        /// The concern's id or a prefix of it
        concern: String,
        #[arg(value_enum, ignore_case = true)]
        status: ConcernStatus,
    },
    /// Add an open question.
    Question {
        brief: String,
        #[arg(allow_hyphen_values = true)]
        text: String,
    },
    /// Sign the problem space as this device's member and role.
    Signoff {
        brief: String,
        /// Sign in this role instead of the device's default role
        #[arg(long, value_enum, ignore_case = true)]
        role: Option<Role>,
    },
    /// Export a brief.
    Export {
        brief: String,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The decision (id or unique prefix) to export, with --format adr
        #[arg(long)]
        decision: Option<String>,
        /// Output file (default: standard output)
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Import briefs from Markdown files, one brief each; prints their ids. Every file is
    /// read and checked first: one that does not parse imports nothing.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Fold a brief's stored updates into one snapshot.
    Compact { brief: String },
    /// Replay an editing trace (gzip'd JSON, ../shared/data) into a section of a new brief.
    /// A newline is typed as Enter (a new paragraph), as in the app's editor.
    Replay {
        trace: PathBuf,
        #[arg(long, default_value = "problem")]
        section: String,
        /// Keep the whole trace in one paragraph, newlines inside it (the character-level path)
        #[arg(long)]
        single_paragraph: bool,
        /// Flush (acknowledge) every N edits
        #[arg(long, default_value_t = 1000)]
        flush_every: usize,
    },
    /// Print a new invite code for a brief. A device that joins with it asks the brief's
    /// members, and receives nothing until one of them approves it (`groundwork approve`).
    Invite {
        brief: String,
        /// Days the code stays valid
        #[arg(long, default_value_t = crate::invite::DEFAULT_DAYS)]
        days: u32,
        /// Only one device may join with it
        #[arg(long)]
        single_use: bool,
        /// Admit a device that presents the code without asking (a headless device set up
        /// by a script, where nobody is there to approve it)
        #[arg(long)]
        no_ask: bool,
    },
    /// Add a brief from an invite code; this device asks the brief's members, and the brief
    /// fills in once one of them approved it and a peer holding it is reached.
    Join { code: String },
    /// Approve a device that asks to join a brief (see `groundwork status BRIEF`).
    Approve {
        brief: String,
        /// The device: its key (or a unique prefix of it) or its person's name
        device: String,
    },
    /// Remove a device from a brief (or decline its request). The brief's secret is rotated
    /// and handed to the remaining devices; the removed device keeps what it already had,
    /// and is sent nothing made after.
    Remove {
        brief: String,
        /// The device: its key (or a unique prefix of it) or its person's name
        device: String,
    },
    /// Run a headless peer until SIGINT or SIGTERM.
    Serve {
        /// Address to listen on
        #[arg(long, default_value = "0.0.0.0:7471")]
        listen: String,
        /// A peer to connect to (repeatable), for networks where multicast is blocked
        #[arg(long = "peer", value_name = "HOST:PORT")]
        peers: Vec<String>,
        /// Do not announce or discover peers over mDNS
        #[arg(long)]
        no_mdns: bool,
        /// Benchmark aid: type into this brief's evidence section while serving, as a person
        /// would (one character per edit, each stored and relayed like an app edit)
        #[arg(long, hide = true, value_name = "BRIEF")]
        type_into: Option<String>,
        /// Benchmark aid: characters per second typed with --type-into
        #[arg(long, hide = true, default_value_t = 5)]
        type_rate: u32,
    },
    /// List peers this device has seen.
    Peers,
    /// Per peer: whether it has all of this device's changes to a brief, and when it was seen.
    Status { brief: String },
    /// Testing aid: append N paragraphs "edit-i", flushing and printing "ack i" after each.
    #[command(hide = true)]
    Stress {
        brief: String,
        #[arg(long, default_value_t = 100)]
        count: usize,
        #[arg(long, default_value_t = 0)]
        start: usize,
        /// Compact every K edits (0: never)
        #[arg(long, default_value_t = 0)]
        compact_every: usize,
    },
}

/// Errors the CLI reports.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Name(#[from] ParseNameError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("{path}: {source}")]
    ImportFile {
        path: PathBuf,
        #[source]
        source: ImportError,
    },
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no data directory: pass --data-dir or set GROUNDWORK_DATA_DIR")]
    NoDataDir,
    #[error("cannot read standard input: {0}")]
    Stdin(std::io::Error),
    #[error(transparent)]
    Invite(#[from] crate::invite::InviteError),
    #[error(transparent)]
    Net(#[from] crate::net::NetError),
    #[error(transparent)]
    Frontend(#[from] crate::net::FrontendError),
    #[error("the operating system's random number generator failed")]
    Random,
    #[error(transparent)]
    Relay(#[from] crate::relay::RelayError),
    #[error("brief {brief} has no relay {url}")]
    NoRelay { brief: String, url: String },
    #[error("--format adr exports one decision: say which with --decision ID")]
    AdrNeedsDecision,
    #[error("--decision goes with --format adr")]
    DecisionNeedsAdr,
    #[error(transparent)]
    Pdf(#[from] crate::pdf::PdfError),
    #[error(transparent)]
    Version(#[from] crate::brief::VersionError),
    #[error(transparent)]
    Comment(#[from] crate::brief::CommentError),
    #[error("a PDF is not for a terminal: pass --output FILE, or pipe it")]
    BinaryToTerminal,
}

/// A word diff as git's `--word-diff` prints it: `[-deleted-]`, `{+inserted+}`.
fn word_diff_text(ops: &[crate::brief::DiffOp]) -> String {
    ops.iter()
        .map(|o| match o.op.as_str() {
            "insert" => format!("{{+{}+}}", o.text),
            "delete" => format!("[-{}-]", o.text),
            _ => o.text.clone(),
        })
        .collect()
}

fn text_arg(text: &str) -> Result<String, CliError> {
    if text == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(CliError::Stdin)?;
        Ok(s)
    } else {
        Ok(text.to_string())
    }
}

/// Prints a line. Text written by members (titles, names, sections) is hostile here too: a
/// control character (an ANSI escape sequence, a carriage return) or a bidirectional override
/// could rewrite what the terminal shows, so each is printed as its `\u{…}` escape.
fn out(line: impl std::fmt::Display) {
    let line = terminal_safe(&line.to_string());
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

fn terminal_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\n' && c != '\t') || bidi {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

async fn open(engine: &Engine, prefix: &str) -> Result<Brief, CliError> {
    let id = engine.resolve(prefix).await?;
    let OpenBrief { brief, quarantined } = engine.open_brief(id).await?;
    if !quarantined.is_empty() {
        eprintln!(
            "warning: {} damaged row(s) of brief {} were moved to quarantine ({}); the rest of the brief opened",
            quarantined.len(),
            id,
            quarantined[0].reason
        );
    }
    if brief.has_missing_dependencies() {
        eprintln!("warning: some changes of brief {id} wait for earlier changes this device does not have");
    }
    Ok(brief)
}

fn format_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// Writes a file atomically: temp file in the same directory, fsync, rename.
fn write_file(path: &Path, content: &[u8]) -> Result<(), CliError> {
    let err = |source| CliError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("export"),
        std::process::id()
    ));
    let mut f = std::fs::File::create(&tmp).map_err(err)?;
    f.write_all(content)
        .and_then(|_| f.sync_all())
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e)
        })?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Runs a parsed command.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let data_dir = cli
        .data_dir
        .or_else(default_data_dir)
        .ok_or(CliError::NoDataDir)?;
    let mut engine = Engine::open(&data_dir).await?;
    let result = run_command(&mut engine, cli.command).await;
    engine.store().close().await;
    result
}

async fn run_command(engine: &mut Engine, command: Command) -> Result<(), CliError> {
    match command {
        Command::Identity { name, role } => {
            if name.is_some() || role.is_some() {
                engine.set_identity(name.as_deref(), role).await?;
                // the person said who they are: the app's first-run screen is done too
                engine
                    .store()
                    .set_setting("profile_confirmed", "1")
                    .await
                    .map_err(EngineError::from)?;
            }
            let id = engine.identity();
            out(format!(
                "{} ({})\ndevice {}",
                id.name,
                id.role,
                id.device_id()
            ));
        }
        Command::New { title, template } => {
            let brief = engine.create(&title, template).await?;
            out(brief.id());
        }
        Command::List { search } => {
            let entries = crate::library::Library::default()
                .list(engine, search.as_deref().unwrap_or(""))
                .await?;
            for e in entries {
                let title = if e.title.is_empty() {
                    "(untitled)"
                } else {
                    &e.title
                };
                out(format!(
                    "{}  {}  {}",
                    e.id,
                    title,
                    format_time(e.updated_at)
                ));
                if !e.matched.is_empty() {
                    out(format!("    {}", e.matched));
                }
            }
        }
        Command::Show { brief, format } => {
            let b = open(engine, &brief).await?;
            match format {
                ShowFormat::Md => out(export::to_markdown(&b).trim_end()),
                ShowFormat::Json => out(export::to_json(&b)),
            }
        }
        Command::Blame {
            brief,
            section,
            format,
        } => {
            let section: Section = section.parse()?;
            let b = open(engine, &brief).await?;
            let blame = b.blame(section);
            match format {
                ShowFormat::Json => out(serde_json::to_string_pretty(&blame).unwrap_or_default()),
                ShowFormat::Md => {
                    for (i, block) in blame.iter().enumerate() {
                        for run in block {
                            let (name, role) = match &run.author {
                                Some(m) => (m.name.clone(), m.role.to_string()),
                                None => ("unknown".to_string(), format!("client {}", run.client)),
                            };
                            let field = |s: &str| s.replace('\t', "\\t").replace('\n', "\\n");
                            out(format!(
                                "{}\t{}\t{}\t{}",
                                i + 1,
                                field(&name),
                                role,
                                field(&run.text)
                            ));
                        }
                    }
                }
            }
        }
        Command::Comment {
            brief,
            section,
            quote,
            tag,
            text,
        } => {
            let section: Section = section.parse()?;
            let b = open(engine, &brief).await?;
            let (index, len) = b
                .find_quote(section, &quote)
                .ok_or_else(|| crate::brief::CommentError::QuoteNotFound(quote.clone()))?;
            let id = b.add_comment(section, index, len, &text, tag.as_deref())?;
            engine.flush(&b).await?;
            out(id);
        }
        Command::Reply {
            brief,
            thread,
            text,
        } => {
            let b = open(engine, &brief).await?;
            b.reply(&thread, &text)?;
            engine.flush(&b).await?;
        }
        Command::Resolve {
            brief,
            thread,
            reopen,
        } => {
            let b = open(engine, &brief).await?;
            b.set_comment_resolved(&thread, !reopen)?;
            engine.flush(&b).await?;
        }
        Command::Comments { brief, format } => {
            let b = open(engine, &brief).await?;
            let threads = b.comments();
            match format {
                ShowFormat::Json => out(serde_json::to_string_pretty(&threads).unwrap_or_default()),
                ShowFormat::Md => {
                    let template = b.template();
                    for t in threads {
                        let on = match &t.anchored {
                            Some(a) => format!("on \u{201c}{a}\u{201d}"),
                            None => format!("on deleted text \u{201c}{}\u{201d}", t.quote),
                        };
                        out(format!(
                            "{}  {}  {}  {}  {on}",
                            &t.id[..8],
                            if t.resolved { "resolved" } else { "open" },
                            t.tag,
                            template.heading(t.section)
                        ));
                        for r in &t.replies {
                            out(format!("    {} ({}): {}", r.author, r.role, r.text));
                        }
                    }
                }
            }
        }
        Command::Changes { brief } => {
            let b = open(engine, &brief).await?;
            let Some(mark) = engine.seen_mark(b.id()).await? else {
                out("not looked at on this device yet: `groundwork seen` marks it");
                return Ok(());
            };
            let changes = b.changed_since(&mark);
            if changes.is_empty() {
                out(format!(
                    "nothing changed by others since you looked ({})",
                    mark.at
                ));
            }
            let template = b.template();
            for c in changes {
                let words = word_diff_text(&c.ops);
                out(format!(
                    "## {} — {} (+{} −{})\n{}\n",
                    template.heading(c.section),
                    c.by.join(", "),
                    c.inserted,
                    c.deleted,
                    words
                ));
            }
        }
        Command::Seen { brief } => {
            let b = open(engine, &brief).await?;
            engine.mark_seen(&b).await?;
        }
        Command::Relay { command } => relay::run(engine, command).await?,
        Command::Version { brief, name } => {
            let b = open(engine, &brief).await?;
            let id = b.save_version(&name, crate::brief::VersionKind::Named)?;
            engine.flush(&b).await?;
            out(id);
        }
        Command::Versions { brief } => {
            let b = open(engine, &brief).await?;
            for v in b.versions() {
                let kind = serde_json::to_value(v.kind)
                    .ok()
                    .and_then(|k| k.as_str().map(str::to_string))
                    .unwrap_or_default();
                out(format!(
                    "{}  {}  {kind:<8}  {} ({})  {}",
                    &v.id[..8],
                    v.at,
                    v.by,
                    v.role,
                    v.name
                ));
            }
        }
        Command::Diff {
            brief,
            version,
            format,
        } => {
            let b = open(engine, &brief).await?;
            let diff = b.version_diff(&version)?;
            match format {
                ShowFormat::Json => out(serde_json::to_string_pretty(&diff).unwrap_or_default()),
                ShowFormat::Md => {
                    let template = b.template();
                    for d in diff.iter().filter(|d| d.changed) {
                        let body = word_diff_text(&d.ops);
                        out(format!("## {}\n{}\n", template.heading(d.section), body));
                    }
                }
            }
        }
        Command::Restore {
            brief,
            version,
            section,
        } => {
            let section: Option<Section> = section.map(|s| s.parse()).transpose()?;
            let b = open(engine, &brief).await?;
            let changed = b.restore_version(&version, section)?;
            engine.flush(&b).await?;
            if changed.is_empty() {
                out("nothing to restore: it reads the same");
            } else {
                let template = b.template();
                let names: Vec<&str> = changed.iter().map(|s| template.heading(*s)).collect();
                out(format!("restored: {}", names.join(", ")));
            }
        }
        Command::Set {
            brief,
            section,
            text,
        } => {
            let section: Section = section.parse()?;
            let text = text_arg(&text)?;
            let b = open(engine, &brief).await?;
            b.set_section(section, &text);
            engine.flush(&b).await?;
        }
        Command::Append {
            brief,
            section,
            text,
        } => {
            let section: Section = section.parse()?;
            let text = text_arg(&text)?;
            let b = open(engine, &brief).await?;
            b.append_paragraph(section, &text);
            engine.flush(&b).await?;
        }
        Command::Decide {
            brief,
            decision,
            context,
            alternatives,
            tradeoffs,
            by,
            rests_on,
        } => {
            let d = NewDecision {
                decision,
                context,
                alternatives,
                tradeoffs,
                decided_by: parse_list(&by)?,
                rests_on: parse_list(&rests_on)?,
            };
            let b = open(engine, &brief).await?;
            let id = b.add_decision(d).map_err(EngineError::from)?;
            engine.flush(&b).await?;
            out(id);
        }
        Command::Concern {
            brief,
            kind,
            role,
            text,
        } => {
            let role = role.unwrap_or(engine.identity().role);
            let b = open(engine, &brief).await?;
            let id = b
                .add_concern(role, kind, &text)
                .map_err(EngineError::from)?;
            engine.flush(&b).await?;
            out(id);
        }
        Command::ConcernStatus {
            brief,
            concern,
            status,
        } => {
            let b = open(engine, &brief).await?;
            b.set_concern_status(&concern, status)
                .map_err(EngineError::from)?;
            engine.flush(&b).await?;
        }
        Command::Question { brief, text } => {
            let b = open(engine, &brief).await?;
            let id = b.add_question(&text).map_err(EngineError::from)?;
            engine.flush(&b).await?;
            out(id);
        }
        Command::Signoff { brief, role } => {
            let role = role.unwrap_or(engine.identity().role);
            let b = open(engine, &brief).await?;
            b.sign_off(role);
            engine.flush(&b).await?;
            let st = b.signoff_status();
            let pending: Vec<&str> = st.pending.iter().map(|r| r.as_str()).collect();
            out(format!(
                "signed the problem space as {} ({}); pending: {}",
                engine.identity().name,
                role,
                if pending.is_empty() {
                    "none".to_string()
                } else {
                    pending.join(", ")
                }
            ));
        }
        Command::Export {
            brief,
            format,
            decision,
            output,
        } => {
            let b = open(engine, &brief).await?;
            let text = match format {
                ExportFormat::Adr => {
                    let d = decision.ok_or(CliError::AdrNeedsDecision)?;
                    crate::adr::decision_adr(&b, &d)
                        .map_err(EngineError::from)?
                        .into_bytes()
                }
                _ if decision.is_some() => return Err(CliError::DecisionNeedsAdr),
                ExportFormat::Md => export::to_markdown(&b).into_bytes(),
                ExportFormat::Json => (export::to_json(&b) + "\n").into_bytes(),
                ExportFormat::Html => export::to_html(&b).into_bytes(),
                ExportFormat::Pdf => {
                    if output.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                        return Err(CliError::BinaryToTerminal);
                    }
                    crate::pdf::brief_pdf(&b)?
                }
                ExportFormat::Yjs => b.encode_state_v1(),
            };
            match output {
                Some(path) => write_file(&path, &text)?,
                None => {
                    let mut stdout = std::io::stdout().lock();
                    let _ = stdout.write_all(&text);
                    let _ = stdout.flush();
                }
            }
        }
        Command::Import { files } => {
            let mut parsed = Vec::with_capacity(files.len());
            for file in &files {
                let bytes = std::fs::read(file).map_err(|source| CliError::Read {
                    path: file.clone(),
                    source,
                })?;
                let p = export::parse_markdown(&bytes).map_err(|source| CliError::ImportFile {
                    path: file.clone(),
                    source,
                })?;
                parsed.push(p);
            }
            for p in parsed {
                let template = p.template.unwrap_or(Template::ProblemFirst);
                let b = engine.create(&p.title, template).await?;
                export::fill_brief(&b, &p);
                engine.flush(&b).await?;
                out(b.id());
            }
        }
        Command::Compact { brief } => {
            let id = engine.resolve(&brief).await?;
            let r = engine.compact(id).await?;
            out(format!(
                "compacted {} row(s) into a {}-byte snapshot{}",
                r.rows_before,
                r.snapshot_bytes,
                if r.quarantined > 0 {
                    format!("; {} damaged row(s) quarantined", r.quarantined)
                } else {
                    String::new()
                }
            ));
        }
        Command::Replay {
            trace,
            section,
            single_paragraph,
            flush_every,
        } => {
            let section: Section = section.parse()?;
            let t = Trace::load(&trace)?;
            let b = engine
                .create("Replayed trace", Template::ProblemFirst)
                .await?;
            let every = flush_every.max(1);
            let mut typist = if single_paragraph {
                None
            } else {
                Some(SectionTypist::new(&b, section).map_err(EngineError::from)?)
            };
            for (i, p) in t.patches.iter().enumerate() {
                match typist.as_mut() {
                    Some(typist) => {
                        typist.delete(p.pos, p.delete);
                        typist.insert(p.pos, &p.insert);
                    }
                    None => {
                        if p.delete > 0 {
                            b.delete_text(section, p.pos, p.delete);
                        }
                        if !p.insert.is_empty() {
                            b.insert_text(section, p.pos, &p.insert);
                        }
                    }
                }
                if (i + 1) % every == 0 {
                    engine.flush(&b).await?;
                }
            }
            engine.flush(&b).await?;
            out(b.id());
        }
        Command::Invite {
            brief,
            days,
            single_use,
            no_ask,
        } => {
            let opts = crate::sharing::InviteOptions {
                days,
                single_use,
                ask: !no_ask,
            };
            out(crate::sharing::invite(engine, &brief, opts).await?);
        }
        Command::Join { code } => {
            crate::invite::Invite::decode(code.trim())?; // the CLI's own wording for a bad code
            let id = crate::sharing::join(engine, &code).await?;
            out(format!(
                "joined {id}; this device asks the brief's members, and the brief fills in once one of them approved it (groundwork serve)"
            ));
        }
        Command::Approve { brief, device } => {
            let e = crate::sharing::approve(engine, &brief, &device).await?;
            out(format!(
                "approved {} ({})",
                e.name,
                &e.device[..16.min(e.device.len())]
            ));
        }
        Command::Remove { brief, device } => {
            let e = crate::sharing::remove(engine, &brief, &device).await?;
            out(format!(
                "removed {} ({}) from the brief; its secret was rotated. That device keeps what it already had and is sent nothing made from now on.",
                e.name,
                &e.device[..16.min(e.device.len())]
            ));
        }
        Command::Serve {
            listen,
            peers,
            no_mdns,
            type_into,
            type_rate,
        } => {
            let mut cfg = crate::net::ServeConfig {
                listen,
                peers,
                mdns: !no_mdns,
                ..Default::default()
            };
            if let Some(ms) = std::env::var("GROUNDWORK_PRESENCE_TIMEOUT_MS")
                .ok()
                .and_then(|v| v.parse().ok())
            {
                cfg.presence_timeout = std::time::Duration::from_millis(ms);
                cfg.presence_renew = std::time::Duration::from_millis((ms / 2).max(1));
            }
            let typist = match type_into {
                Some(brief) => Some(engine.resolve(&brief).await?),
                None => None,
            };
            let placeholder = Engine::open(engine.data_dir()).await?;
            let engine = std::mem::replace(engine, placeholder);
            let (tx, commands) = tokio::sync::mpsc::unbounded_channel();
            if let Some(brief) = typist {
                tokio::spawn(typist_task(tx.clone(), brief, type_rate.max(1)));
            }
            crate::net::serve_with(
                engine,
                cfg,
                |addr| out(format!("listening on {addr}")),
                shutdown_signal(),
                crate::net::Frontend {
                    commands: Some(commands),
                    notices: None,
                },
            )
            .await?;
            drop(tx);
        }
        Command::Peers => {
            let peers = engine.store().peers().await.map_err(EngineError::from)?;
            if peers.is_empty() {
                out("no peers seen yet");
            }
            for p in peers {
                let name = if p.name.is_empty() {
                    "(unknown)"
                } else {
                    &p.name
                };
                out(format!(
                    "{}  {}  {}  {}  last seen {}",
                    &p.device[..16],
                    name,
                    if p.address.is_empty() {
                        "-"
                    } else {
                        &p.address
                    },
                    p.source,
                    format_time(p.last_seen)
                ));
            }
        }
        Command::Status { brief } => {
            let b = open(engine, &brief).await?;
            let mine = engine.identity().device_id();
            if let Some(reason) = engine
                .store()
                .refusal(b.id())
                .await
                .map_err(EngineError::from)?
            {
                out(format!("refused: {reason}"));
            }
            if let Some(join) = engine
                .store()
                .join_state(b.id())
                .await
                .map_err(EngineError::from)?
            {
                out(format!("{}: joining, {}", b.id(), join.describe()));
            }
            let approved: Vec<String> = b
                .roster()
                .into_iter()
                .filter(|e| e.state == crate::brief::DeviceState::Approved)
                .map(|e| format!("{} ({})", e.name, e.role))
                .collect();
            if !approved.is_empty() {
                out(format!("devices in the brief: {}", approved.join(", ")));
            }
            for e in b.roster() {
                let short = &e.device[..16.min(e.device.len())];
                match e.state {
                    crate::brief::DeviceState::Asking => out(format!(
                        "{} ({}) asks to join (device {short}): groundwork approve {} {short}",
                        e.name,
                        e.role,
                        b.id()
                    )),
                    crate::brief::DeviceState::Removed => out(format!(
                        "removed: {} ({}), device {short}; it keeps what it had before",
                        e.name, e.role
                    )),
                    crate::brief::DeviceState::Approved => {}
                }
            }
            let members: Vec<_> = b
                .members()
                .into_iter()
                .filter(|m| b.admits(&m.device))
                .collect();
            let status = crate::status::brief_status(engine.store(), b.id(), &mine, &members, &[])
                .await
                .map_err(EngineError::from)?;
            out(format!(
                "{}: {} of your changes on this device",
                b.id(),
                status.changes
            ));
            if status.devices.is_empty() {
                out(format!("{}: no peer has synced this brief yet", b.id()));
            }
            for d in &status.devices {
                let heard = match (d.as_of, d.last_seen) {
                    (Some(at), Some(seen)) => {
                        format!(
                            " (as of {}); last seen {}",
                            format_time(at),
                            format_time(seen)
                        )
                    }
                    (None, Some(seen)) => format!("; last seen {}", format_time(seen)),
                    _ => String::new(),
                };
                out(format!("{}{heard}", d.describe()));
            }
            if let Some(r) = &status.receipt {
                out("merged after being apart (until dismissed in the app):");
                for line in r.lines() {
                    out(format!("  {line}"));
                }
            }
            let present = engine
                .store()
                .presence(b.id(), 60_000)
                .await
                .map_err(EngineError::from)?;
            for p in present {
                let v: serde_json::Value = serde_json::from_str(&p).unwrap_or_default();
                // a stock Yjs client (through a relay) names itself as `user.name`
                let stock = v["name"].as_str().is_none() && v["user"]["name"].is_string();
                out(format!(
                    "here now: {} ({}){}",
                    v["name"]
                        .as_str()
                        .or(v["user"]["name"].as_str())
                        .unwrap_or("someone"),
                    v["role"]
                        .as_str()
                        .unwrap_or(if stock { "Yjs client" } else { "?" }),
                    v["section"]
                        .as_str()
                        .map(|s| format!(" in {s}"))
                        .unwrap_or_default()
                ));
            }
        }
        Command::Stress {
            brief,
            count,
            start,
            compact_every,
        } => {
            let b = open(engine, &brief).await?;
            for i in start..start + count {
                b.append_paragraph(Section::Evidence, &format!("edit-{i}"));
                engine.flush(&b).await?;
                out(format!("ack {i}"));
                if compact_every > 0 && (i + 1) % compact_every == 0 {
                    engine.compact(b.id()).await?;
                    out(format!("compacted {i}"));
                }
            }
        }
    }
    Ok(())
}

/// `serve --type-into`: one character every 1/rate s at the end of the first paragraph of
/// the brief's evidence section, through the running peer as an app edit goes (applied, relayed, stored).
async fn typist_task(
    tx: tokio::sync::mpsc::UnboundedSender<crate::net::Command>,
    brief: uuid::Uuid,
    rate: u32,
) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1) / rate);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for i in 0u64.. {
        tick.tick().await;
        let (reply, done) = tokio::sync::oneshot::channel();
        let c = char::from(b'a' + (i % 26) as u8);
        let op: crate::net::EditOp = Box::new(move |b: &Brief| {
            // at the end of the first paragraph (the offset is clamped to its length)
            b.insert_text(Section::Evidence, u32::MAX, &c.to_string());
            Ok(serde_json::Value::Null)
        });
        if tx
            .send(crate::net::Command::Edit { brief, op, reply })
            .is_err()
        {
            return;
        }
        if !matches!(done.await, Ok(Ok(_))) {
            tracing::warn!(%brief, "typist edit failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_output_cannot_carry_escape_sequences() {
        let hostile = "Title\u{1b}[2J\u{1b}]0;pwned\u{7}\r\u{202e}txt.exe";
        let safe = terminal_safe(hostile);
        assert!(!safe.chars().any(|c| c.is_control()), "{safe:?}");
        assert!(!safe.contains('\u{202e}'));
        assert_eq!(terminal_safe("a\tb\nc é 😀"), "a\tb\nc é 😀");
    }
}
