//! Plain data types of a brief: sections, roles, concern kinds and statuses, templates.
//!
//! These are the typed names that callers use instead of raw map keys. Each has a stable
//! wire/storage name (`as_str`) that is part of the document schema (see ARCHITECTURE.md)
//! and a parser that gives a typed error for anything else.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A name that did not parse as one of the known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{given}' (expected one of: {expected})")]
pub struct ParseNameError {
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident, $what:literal, { $($variant:ident => $s:literal, $label:literal;)+ }) => {
        $(#[$m])*
        // serialised as its stable name: the TypeScript type is the union of those names
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
        pub enum $name { $(#[ts(rename = $s)] $variant),+ }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable name used in the document, the CLI and exports.
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $s),+ } }
            /// A human label.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
        }
        /// Command-line arguments take the stable names (`--role pm`); clap lists them in
        /// `--help` and in the usage error for anything else.
        impl clap::ValueEnum for $name {
            fn value_variants<'a>() -> &'a [Self] { Self::ALL }
            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(self.as_str()).help(self.label()))
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
        impl FromStr for $name {
            type Err = ParseNameError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim().to_ascii_lowercase();
                $(if t == $s { return Ok($name::$variant); })+
                Err(ParseNameError {
                    what: $what,
                    given: s.to_string(),
                    expected: [$($s),+].join(", "),
                })
            }
        }
    };
}

named_enum!(
    /// A role a member plays on a brief. A person has a role per brief, not per company.
    Role, "role", {
        Pm => "pm", "PM";
        Engineer => "engineer", "Engineer";
        Designer => "designer", "Designer";
    }
);

named_enum!(
    /// A section of a brief. The first seven are the problem space, the rest the solution space.
    Section, "section", {
        Problem => "problem", "Problem statement";
        Affected => "affected", "Who is affected";
        Evidence => "evidence", "Evidence";
        Workaround => "workaround", "Current workaround";
        Metrics => "metrics", "Success metrics";
        Appetite => "appetite", "Appetite";
        Nogos => "nogos", "No-gos";
        Options => "options", "Options considered";
        Approach => "approach", "Chosen approach";
        Technical => "technical", "Technical approach";
        Feasibility => "feasibility", "Feasibility";
        Risks => "risks", "Risks and rabbit holes";
        Tradeoffs => "tradeoffs", "Trade-offs";
    }
);

named_enum!(
    /// What a concern is about.
    ConcernKind, "concern kind", {
        Evidence => "evidence", "Evidence gap";
        Feasibility => "feasibility", "Feasibility";
        Ux => "ux", "UX risk";
        Scope => "scope", "Scope / appetite";
        Health => "health", "System health";
    }
);

named_enum!(
    /// Where a concern stands.
    ConcernStatus, "concern status", {
        Open => "open", "Open";
        Addressed => "addressed", "Addressed";
        Accepted => "accepted", "Accepted";
    }
);

named_enum!(
    /// The shape a brief starts from. It decides which sections are shown, in what order and
    /// under which headings; every brief still has every section in its document.
    Template, "template", {
        ProblemFirst => "problem-first", "Problem-first brief";
        Pitch => "pitch", "Shape Up pitch";
        Prfaq => "prfaq", "PR/FAQ";
        Decision => "decision", "Decision record";
    }
);

impl Section {
    /// The problem-space sections, whose change makes a sign-off stale.
    pub const PROBLEM: &'static [Section] = &[
        Section::Problem,
        Section::Affected,
        Section::Evidence,
        Section::Workaround,
        Section::Metrics,
        Section::Appetite,
        Section::Nogos,
    ];
    /// The solution-space sections.
    pub const SOLUTION: &'static [Section] = &[
        Section::Options,
        Section::Approach,
        Section::Technical,
        Section::Feasibility,
        Section::Risks,
        Section::Tradeoffs,
    ];

    pub fn is_problem_space(self) -> bool {
        Section::PROBLEM.contains(&self)
    }

    /// Name of the yrs root type that holds this section's rich text (its body, a Y.Text;
    /// see [`crate::body`]).
    pub fn root_name(self) -> String {
        crate::body::root_name(self.as_str())
    }

    /// Name of the schema-1 root (a y-prosemirror XmlFragment) that a migration reads.
    pub fn legacy_root_name(self) -> String {
        crate::body::migrate::legacy_root(self.as_str())
    }
}

impl Template {
    /// Sections this template shows, in order, with the heading it uses for each.
    pub fn sections(self) -> &'static [(Section, &'static str)] {
        use Section::*;
        match self {
            Template::ProblemFirst => &[
                (Problem, "Problem statement"),
                (Affected, "Who is affected"),
                (Evidence, "Evidence"),
                (Workaround, "Current workaround"),
                (Metrics, "Success metrics"),
                (Appetite, "Appetite"),
                (Nogos, "No-gos"),
                (Options, "Options considered"),
                (Approach, "Chosen approach"),
                (Technical, "Technical approach"),
                (Feasibility, "Feasibility"),
                (Risks, "Risks and rabbit holes"),
                (Tradeoffs, "Trade-offs"),
            ],
            Template::Pitch => &[
                (Problem, "Problem"),
                (Affected, "Who is affected"),
                (Evidence, "Evidence"),
                (Appetite, "Appetite"),
                (Nogos, "No-gos"),
                (Approach, "Solution"),
                (Risks, "Rabbit holes"),
                (Tradeoffs, "Trade-offs"),
            ],
            Template::Prfaq => &[
                (Problem, "The customer problem"),
                (Affected, "Customers"),
                (Evidence, "Evidence"),
                (Metrics, "How we will know"),
                (Approach, "Press release"),
                (Options, "Frequently asked questions"),
                (Feasibility, "Internal FAQ: feasibility"),
                (Risks, "Risks"),
            ],
            Template::Decision => &[
                (Problem, "Context"),
                (Evidence, "Evidence"),
                (Options, "Options considered"),
                (Approach, "Decision"),
                (Tradeoffs, "Consequences and trade-offs"),
            ],
        }
    }

    /// The heading this template gives a section (its generic label when not part of it).
    pub fn heading(self, section: Section) -> &'static str {
        self.sections()
            .iter()
            .find(|(s, _)| *s == section)
            .map(|(_, h)| *h)
            .unwrap_or_else(|| section.label())
    }
}

/// Parses a comma-separated list of names, e.g. `pm,engineer`.
pub fn parse_list<T: FromStr<Err = ParseNameError>>(s: &str) -> Result<Vec<T>, ParseNameError> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(T::from_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reject_unknown() {
        for s in Section::ALL {
            assert_eq!(s.as_str().parse::<Section>().unwrap(), *s);
        }
        for t in Template::ALL {
            assert_eq!(t.as_str().parse::<Template>().unwrap(), *t);
        }
        assert_eq!("PM".parse::<Role>().unwrap(), Role::Pm);
        let err = "boss".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("pm, engineer, designer"), "{err}");
        assert_eq!(
            parse_list::<Role>("pm, designer").unwrap(),
            vec![Role::Pm, Role::Designer]
        );
        assert!(parse_list::<Section>("problem,nope").is_err());
        assert_eq!(
            serde_json::to_string(&Template::ProblemFirst).unwrap(),
            "\"problem-first\""
        );
        assert_eq!(
            serde_json::from_str::<Template>("\"prfaq\"").unwrap(),
            Template::Prfaq
        );
    }

    #[test]
    fn problem_and_solution_partition_all_sections() {
        assert_eq!(
            Section::PROBLEM.len() + Section::SOLUTION.len(),
            Section::ALL.len()
        );
        assert!(Section::SOLUTION.iter().all(|s| !s.is_problem_space()));
    }
}
