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

mod discovery;
mod relay;
mod sharing;
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
    #[command(flatten)]
    Discovery(discovery::DiscoveryCommand),
    /// Sync a brief beyond this network through a Yjs WebSocket server (y-websocket, y-sweet,
    /// Hocuspocus): add, list or remove its relays. The server holds the brief in plain form.
    Relay {
        #[command(subcommand)]
        command: relay::RelayCommand,
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
    #[command(flatten)]
    Sharing(sharing::SharingCommand),
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
        Command::Discovery(command) => discovery::run(engine, command).await?,
        Command::Relay { command } => relay::run(engine, command).await?,
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
            engine.settle(&b).await?;
            out(b.id());
        }
        Command::Sharing(command) => sharing::run(engine, command).await?,
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
