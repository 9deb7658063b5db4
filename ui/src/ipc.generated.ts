// Generated from the Rust types by tests/ipc_types.rs (ts-rs): do not edit.
// Regenerate with `GROUNDWORK_WRITE_TYPES=1 cargo test --test ipc_types`.

export type Role = "pm" | "engineer" | "designer";

export type ConcernKind = "evidence" | "feasibility" | "ux" | "scope" | "health";

export type ConcernStatus = "open" | "addressed" | "accepted";

export type Section = "problem" | "affected" | "evidence" | "workaround" | "metrics" | "appetite" | "nogos" | "options" | "approach" | "technical" | "feasibility" | "risks" | "tradeoffs";

export type Template = "problem-first" | "pitch" | "prfaq" | "decision";

export type ExportFormat = "markdown" | "html" | "json" | "pdf";

export type Member = { 
/**
 * Hex of the device's public key.
 */
device: string, name: string, role: Role, };

export type Decision = { id: string, date: string, decision: string, context: string, alternatives: string, tradeoffs: string, decided_by: Array<Role>, rests_on: Array<Section>, 
/**
 * Sections it rests on whose text changed after the decision was logged.
 */
changed_since: Array<Section>, author: string, };

export type Concern = { id: string, role: Role, kind: ConcernKind, text: string, status: ConcernStatus, author: string, created_at: string, };

export type Question = { id: string, text: string, author: string, created_at: string, 
/**
 * Answered or dropped; kept in the brief, shown apart from the open ones.
 */
resolved: boolean, };

export type Signoff = { role: Role, name: string, signed_at: string, stale: boolean, 
/**
 * Problem-space sections whose text differs from what was signed.
 */
changed_sections: Array<Section>, };

export type SignoffStatus = { signoffs: Array<Signoff>, 
/**
 * Roles with no sign-off at all.
 */
pending: Array<Role>, 
/**
 * True when every role has a sign-off that is not stale.
 */
complete: boolean, };

export type LayoutSection = { section: Section, heading: string, problem_space: boolean, };

export type EditorView = { id: string, title: string, template: Template, template_label: string, created_at: string, layout: Array<LayoutSection>, signoff: SignoffStatus, decisions: Array<Decision>, concerns: Array<Concern>, questions: Array<Question>, members: Array<Member>, 
/**
 * Comment threads, each with where its anchor lies now.
 */
comments: Array<CommentThread>, 
/**
 * Changes from a peer were refused for this reason (a newer version's document schema):
 * the app says so on the brief.
 */
refused: string | null, };

export type LibraryEntry = { id: string, title: string, template: string, template_label: string, 
/**
 * Unix milliseconds of the brief's creation and last stored change.
 */
created_at: number, updated_at: number, 
/**
 * Non-stale sign-offs, out of the three roles.
 */
signed: number, stale: number, open_concerns: number, open_questions: number, 
/**
 * The start of the problem statement.
 */
excerpt: string, 
/**
 * Where a search matched: a short passage around the hits (empty when no query, or
 * when only the title matched).
 */
matched: string, 
/**
 * Other devices known to lack some of this device's changes to the brief.
 */
behind: number, 
/**
 * While this device waits for a member to approve it: where its join stands.
 */
joining: string | null, 
/**
 * Sections others changed since this device's person last looked at the brief (0 when
 * nothing changed, or never looked: then everything is new anyway).
 */
changed: number, };

export type LibraryPage = { total: number, entries: Array<LibraryEntry>, };

export type ListSort = "updated" | "created" | "title";

export type ErrorKind = "no_such_brief" | "not_attached" | "rejected" | "storage" | "stopped";

export type AppError = { kind: ErrorKind, message: string, };

export type Profile = { name: string, role: Role, device: string, 
/**
 * False until the person confirmed name and role (the first-run screen).
 */
confirmed: boolean, data_dir: string, export_dir: string, listen: string | null, 
/**
 * Benchmark mode (`GROUNDWORK_AUTOPILOT`), see `scripts/bench-app.sh`.
 */
autopilot: string | null, };

export type DeviceState = "approved" | "asking" | "removed";

export type RosterEntry = { 
/**
 * Hex of the device key.
 */
device: string, name: string, role: string, state: DeviceState, 
/**
 * The member device that approved, removed or recorded the request.
 */
by: string, 
/**
 * Unix ms of the last change.
 */
at: number, 
/**
 * The invite code id the device joined or asked with ("" for founders).
 */
code: string, };

export type InviteOptions = { 
/**
 * Days the code stays valid (1 to 365).
 */
days: number, 
/**
 * Only one device may use it.
 */
single_use: boolean, 
/**
 * A device that presents it asks a member, who approves it. `false` admits it outright
 * (for a headless device set up by a script, say); the app always asks.
 */
ask: boolean, };

export type Access = { 
/**
 * Approved devices, devices asking to join, removed ones.
 */
roster: Array<RosterEntry>, 
/**
 * This device's key (hex).
 */
me: string, 
/**
 * Where this device's own join stands, while no member approved it: what to tell the
 * person ("waiting for a member of the brief to approve this device").
 */
joining: string | null, };

export type TemplateInfo = { id: Template, label: string, sections: Array<[Section, string]>, };

export type Exported = { path: string, bytes: number, };

export type Part = { "kind": "title" } | { "kind": "section", "section": Section } | { "kind": "decisions" } | { "kind": "concerns" } | { "kind": "questions" } | { "kind": "signoffs" };

export type ReceiptItem = { part: Part, 
/**
 * Who made the changes ("Ben Okafor (engineer)"), as the brief's members say.
 */
by: Array<string>, 
/**
 * This device changed the part too while apart: review it.
 */
both: boolean, };

export type FlaggedDecision = { id: string, decision: string, sections: Array<Section>, };

export type MergeReceipt = { items: Array<ReceiptItem>, 
/**
 * Roles whose sign-off went stale because of the merge.
 */
stale_signoffs: Array<Role>, flagged_decisions: Array<FlaggedDecision>, };

export type KnownClient = { client: number, member: Member, };

export type VersionKind = "named" | "signoff" | "decision" | "restore";

export type VersionInfo = { id: string, name: string, kind: VersionKind, 
/**
 * Who made it (name and role as their member was then).
 */
by: string, role: string, at: string, };

export type DiffOp = { 
/**
 * `equal`, `insert` (in now, not in the version) or `delete` (in the version, not now).
 */
op: string, text: string, 
/**
 * Who wrote an inserted stretch ("Ben Okafor (engineer)"), where known.
 */
by: Array<string>, };

export type SectionDiff = { section: Section, changed: boolean, ops: Array<DiffOp>, };

export type SectionChange = { section: Section, 
/**
 * Who ("Ben Okafor (engineer)"), as the brief's members say.
 */
by: Array<string>, 
/**
 * Characters they inserted, and characters the section lost.
 */
inserted: number, deleted: number, 
/**
 * The difference from what was seen, word by word.
 */
ops: Array<DiffOp>, };

export type Reply = { id: string, author: string, role: string, at: string, text: string, };

export type CommentThread = { id: string, section: Section, 
/**
 * `problem` or `solution`.
 */
tag: string, resolved: boolean, 
/**
 * The text it was made on.
 */
quote: string, 
/**
 * The text its anchor covers now; `None`: all of it was deleted ("on deleted text").
 */
anchored: string | null, 
/**
 * Where the anchor lies now in the section's body (index, length), if not deleted.
 */
range: [number, number] | null, 
/**
 * The relative positions of its two ends (Yjs v1 binary, hex), for an editor to map.
 */
start: string, end: string, replies: Array<Reply>, 
/**
 * `concern:<id>` or `question:<id>` once turned into one.
 */
linked: string | null, };

export type DeviceStatus = { 
/**
 * Its device key, hex.
 */
device: string, 
/**
 * Whose it is: the name and role it gave ("Dana (pm)"), else the member's.
 */
name: string, 
/**
 * Linked to this device now (only a running peer knows; `status` run alone says false).
 */
connected: boolean, 
/**
 * Unix ms it was last heard from (any message), if ever.
 */
last_seen: number | null, 
/**
 * Unix ms its state vector for this brief was last heard, if ever.
 */
as_of: number | null, 
/**
 * How many of this device's changes it has not seen, if it ever said what it holds.
 */
unseen: number | null, 
/**
 * Not linked to this device, but present on the brief through this peer ("Ben Okafor
 * (engineer)"): its changes and ours travel through it.
 */
via: string | null, 
/**
 * A relay this device could not reach, or whose connection ended: since when (unix ms)
 * and why, as the running peer last saw it.
 */
unreachable_since: number | null, unreachable: string | null, };

export type BriefStatus = { 
/**
 * This device's changes to the brief, in all.
 */
changes: number, 
/**
 * The other devices, those with changes of yours to catch up first, then by name.
 */
devices: Array<DeviceStatus>, 
/**
 * No other device is connected now.
 */
offline: boolean, 
/**
 * What merged from others after being apart, until dismissed.
 */
receipt: MergeReceipt | null, 
/**
 * People whose devices ask to join the brief (a member approves them).
 */
asking: Array<string>, };

export type KnownDevice = { device: string, 
/**
 * The name and role it gave ("Dana (pm)"); empty until it said hello.
 */
name: string, 
/**
 * Its last address.
 */
address: string, 
/**
 * How it was found: `mdns`, `dialed`, `incoming`.
 */
source: string, last_seen: number, connected: boolean, };

export type RelayView = { url: string, 
/**
 * The room on the server (the address's path).
 */
room: string, 
/**
 * Who added it ("" for one this device uses whose record has not arrived yet).
 */
by: string, role: string, 
/**
 * When (RFC 3339).
 */
at: string, 
/**
 * This device keeps a connection to it.
 */
used_here: boolean, };
