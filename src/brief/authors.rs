//! Who wrote what: each character of a section attributed to the member whose client id made
//! it (yrs item ids, mapped through the brief's `members` root). Blocks are split at their
//! markers, as the text reads; deleted text is not shown. A client id no member recorded (a
//! stock Yjs client in a relayed room, an edit from before attribution) is an unknown author,
//! never a guess.

use super::*;
use yrs::types::text::{ChangeKind, YChange};
use yrs::Snapshot;

/// A run of one author's characters in one block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AuthorRun {
    /// The yrs client id that wrote it.
    #[ts(type = "number")]
    pub client: u64,
    /// Its member, if the brief recorded one for that client id.
    pub author: Option<Member>,
    pub text: String,
}

/// A yrs client id and the member it writes for (what the app's editor needs to colour text
/// by author from its own copy of the document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct KnownClient {
    #[ts(type = "number")]
    pub client: u64,
    pub member: Member,
}

/// Origin of the read-only transaction blame needs (splitting items at snapshot bounds
/// changes no content): nobody's change.
const BLAME_ORIGIN: &str = "groundwork:blame";

impl Brief {
    /// Every client id the brief recorded, with its member.
    pub fn known_clients(&self) -> Vec<KnownClient> {
        self.client_members()
            .into_iter()
            .map(|(client, member)| KnownClient { client, member })
            .collect()
    }

    /// The section's text, block by block, as runs of one author each.
    pub fn blame(&self, section: Section) -> Vec<Vec<AuthorRun>> {
        let text = self.body(section).clone();
        let chunks = {
            let mut txn = self.doc.transact_mut_with(Origin::from(BLAME_ORIGIN));
            let now = txn.snapshot();
            // against an empty snapshot every visible character is "added", with its item id
            text.diff_range(
                &mut txn,
                Some(&now),
                Some(&Snapshot::default()),
                |c: YChange| match c.kind {
                    ChangeKind::Added | ChangeKind::Removed => c.id.client.get(),
                },
            )
        };
        let mut members: HashMap<u64, Option<Member>> = HashMap::new();
        let mut blocks: Vec<Vec<AuthorRun>> = Vec::new();
        for chunk in chunks {
            match chunk.insert {
                Out::Any(Any::String(s)) => {
                    let client = chunk.ychange.unwrap_or(0);
                    if blocks.is_empty() {
                        // text before the first marker reads as a paragraph of its own
                        blocks.push(Vec::new());
                    }
                    let Some(runs) = blocks.last_mut() else {
                        continue;
                    };
                    match runs.last_mut() {
                        Some(last) if last.client == client => last.text.push_str(&s),
                        _ => {
                            let author = members
                                .entry(client)
                                .or_insert_with(|| self.member_for_client(client))
                                .clone();
                            runs.push(AuthorRun {
                                client,
                                author,
                                text: s.to_string(),
                            });
                        }
                    }
                }
                // a block marker starts the next block; other embeds are not text
                Out::YMap(_) => blocks.push(Vec::new()),
                _ => {}
            }
        }
        blocks.retain(|b| !b.is_empty());
        blocks
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{member, sync};
    use super::*;
    use crate::model::Role;

    fn named(blame: &[Vec<AuthorRun>]) -> Vec<Vec<(String, String)>> {
        blame
            .iter()
            .map(|b| {
                b.iter()
                    .map(|r| {
                        let who = r.author.as_ref().map(|m| m.name.clone());
                        (who.unwrap_or_else(|| "?".into()), r.text.clone())
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn each_character_is_its_writer_s_on_every_replica() {
        let ana = Brief::create(
            "Blame",
            Template::ProblemFirst,
            member("aa", "Ana", Role::Pm),
        );
        ana.set_section(Section::Problem, "New admins quit.");
        ana.append_paragraph(Section::Problem, "At step 3.");
        let ben = Brief::empty(ana.id(), member("bb", "Ben", Role::Engineer));
        sync(&ana, &ben);
        ben.insert_text(Section::Problem, "New admins ".len() as u32, "often ");
        sync(&ben, &ana);
        let blame = ana.blame(Section::Problem);
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            named(&blame),
            vec![
                vec![
                    s("Ana", "New admins "),
                    s("Ben", "often "),
                    s("Ana", "quit.")
                ],
                vec![s("Ana", "At step 3.")],
            ]
        );
        assert_eq!(
            ben.blame(Section::Problem),
            blame,
            "the same on both replicas"
        );
        assert!(ana.blame(Section::Evidence).is_empty());
    }
}
