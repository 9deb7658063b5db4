//! The discovery-over-days commands (issue 15): who wrote what (`blame`), comments anchored to
//! text (`comment`, `reply`, `resolve`, `comments`), what changed since this device's person last
//! looked (`changes`, `seen`) and versions (`version`, `versions`, `diff`, `restore`). They are
//! top-level commands (flattened into [`super::Command`]); each one that changes the brief
//! flushes before it returns.

use super::{open, out, CliError, ShowFormat};
use crate::engine::Engine;
use crate::model::Section;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum DiscoveryCommand {
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
}

pub(super) async fn run(engine: &mut Engine, command: DiscoveryCommand) -> Result<(), CliError> {
    match command {
        DiscoveryCommand::Blame {
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
        DiscoveryCommand::Comment {
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
        DiscoveryCommand::Reply {
            brief,
            thread,
            text,
        } => {
            let b = open(engine, &brief).await?;
            b.reply(&thread, &text)?;
            engine.flush(&b).await?;
        }
        DiscoveryCommand::Resolve {
            brief,
            thread,
            reopen,
        } => {
            let b = open(engine, &brief).await?;
            b.set_comment_resolved(&thread, !reopen)?;
            engine.flush(&b).await?;
        }
        DiscoveryCommand::Comments { brief, format } => {
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
        DiscoveryCommand::Changes { brief } => {
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
        DiscoveryCommand::Seen { brief } => {
            let b = open(engine, &brief).await?;
            engine.mark_seen(&b).await?;
        }
        DiscoveryCommand::Version { brief, name } => {
            let b = open(engine, &brief).await?;
            let id = b.save_version(&name, crate::brief::VersionKind::Named)?;
            engine.flush(&b).await?;
            out(id);
        }
        DiscoveryCommand::Versions { brief } => {
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
        DiscoveryCommand::Diff {
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
        DiscoveryCommand::Restore {
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
    }
    Ok(())
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
