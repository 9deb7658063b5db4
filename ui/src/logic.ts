// The UI's own logic, free of the DOM and of IPC so unit tests can run it: sign-off and
// "who has weighed in" summaries, list sorting, relative times, shortcut matching.
import type { BriefStatus, Concern, DeviceStatus, EditorView, Part, ReceiptItem, Role, Signoff } from './types';
import { ROLES, ROLE_LABEL } from './types';

export type RoleState = 'signed' | 'stale' | 'pending';

export interface RoleSummary {
  role: Role;
  state: RoleState;
  signoff?: Signoff;
  openConcerns: number;
  concerns: number;
  /** Has this role said anything on the brief yet (sign-off or concern)? */
  weighedIn: boolean;
  /** One line for people, e.g. "Engineering: signed off · 2 open concerns". */
  line: string;
}

export function roleSummaries(view: Pick<EditorView, 'signoff' | 'concerns'>): RoleSummary[] {
  return ROLES.map((role) => {
    const signoff = view.signoff.signoffs.find((s) => s.role === role);
    const state: RoleState = !signoff ? 'pending' : signoff.stale ? 'stale' : 'signed';
    const mine = view.concerns.filter((c) => c.role === role);
    const openConcerns = mine.filter((c) => c.status === 'open').length;
    const weighedIn = !!signoff || mine.length > 0;
    const parts: string[] = [];
    parts.push(
      state === 'signed' ? 'signed off' : state === 'stale' ? 'sign-off is stale' : 'has not signed off',
    );
    if (mine.length === 0) parts.push('no concerns raised');
    else parts.push(`${openConcerns} open concern${openConcerns === 1 ? '' : 's'} of ${mine.length}`);
    return {
      role,
      state,
      signoff,
      openConcerns,
      concerns: mine.length,
      weighedIn,
      line: `${ROLE_LABEL[role]}: ${parts.join(' · ')}`,
    };
  });
}

/** True when the solution space is still a parking lot (not every role signed a current problem). */
export function isParkingLot(view: Pick<EditorView, 'signoff'>): boolean {
  return !view.signoff.complete;
}

export function signoffHeadline(view: Pick<EditorView, 'signoff'>): string {
  const s = roleSummaries({ signoff: view.signoff, concerns: [] });
  const signed = s.filter((r) => r.state === 'signed').length;
  const stale = s.filter((r) => r.state === 'stale').length;
  if (signed === ROLES.length) return 'Problem signed off by every role';
  const bits = [`${signed} of ${ROLES.length} signed off`];
  if (stale) bits.push(`${stale} stale`);
  return bits.join(' · ');
}

export function concernsByRole(concerns: Concern[]): Record<Role, Concern[]> {
  const out: Record<Role, Concern[]> = { pm: [], engineer: [], designer: [] };
  for (const c of concerns) out[c.role]?.push(c);
  const rank = { open: 0, addressed: 1, accepted: 2 } as const;
  for (const r of ROLES) out[r].sort((a, b) => rank[a.status] - rank[b.status] || a.created_at.localeCompare(b.created_at));
  return out;
}

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", else a date. */
export function relativeTime(ms: number, now: number = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d === 1) return 'yesterday';
  if (d < 7) return `${d} days ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

export interface Shortcut {
  id: string;
  keys: string;
  label: string;
}

export const SHORTCUTS: Shortcut[] = [
  { id: 'new', keys: 'Ctrl+N', label: 'New brief' },
  { id: 'search', keys: 'Ctrl+K', label: 'Search briefs' },
  { id: 'jump', keys: 'Ctrl+J', label: 'Jump to a section' },
  { id: 'import', keys: 'Ctrl+O', label: 'Open a Markdown file' },
  { id: 'export', keys: 'Ctrl+E', label: 'Export the brief' },
  { id: 'undo', keys: 'Ctrl+Z', label: 'Undo your own last edit in this section (never a teammate’s)' },
  { id: 'redo', keys: 'Ctrl+Shift+Z / Ctrl+Y', label: 'Redo your own edit' },
  { id: 'signoff', keys: 'Ctrl+Shift+Enter', label: 'Sign off the problem' },
  { id: 'decision', keys: 'Ctrl+Shift+D', label: 'Log a decision' },
  { id: 'concern', keys: 'Ctrl+Shift+C', label: 'Raise a concern' },
  { id: 'question', keys: 'Ctrl+Shift+Q', label: 'Ask a question' },
  { id: 'profile', keys: 'Ctrl+,', label: 'Your name and role' },
  { id: 'theme', keys: 'Ctrl+Shift+L', label: 'Light / dark theme' },
  { id: 'authors', keys: 'Ctrl+Shift+A', label: 'Who wrote what: colour the text by author' },
  { id: 'comment', keys: 'Ctrl+Alt+M', label: 'Comment on the selected words' },
  { id: 'back', keys: 'Escape', label: 'Close dialog / back to the list' },
  { id: 'help', keys: 'Ctrl+/', label: 'Keyboard shortcuts' },
  { id: 'quit', keys: 'Ctrl+Q', label: 'Quit (once everything is stored)' },
];

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** The shortcut a key event triggers, if any (Ctrl or Cmd both count as the modifier). */
export function matchShortcut(e: KeyLike): string | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (e.altKey) return mod && key === 'm' ? 'comment' : null;
  if (!mod) return key === 'Escape' ? 'back' : null;
  if (e.shiftKey) {
    if (key === 'Enter') return 'signoff';
    if (key === 'd') return 'decision';
    if (key === 'c') return 'concern';
    if (key === 'q') return 'question';
    if (key === 'l') return 'theme';
    if (key === 'a') return 'authors';
    return null;
  }
  switch (key) {
    case 'n':
      return 'new';
    case 'k':
    case 'f':
      return 'search';
    case 'j':
      return 'jump';
    case 'o':
      return 'import';
    case 'e':
      return 'export';
    case ',':
      return 'profile';
    case '/':
      return 'help';
    case 'q':
      return 'quit';
    default:
      return null;
  }
}

/** Filters a list of sections for the jump palette: every word of the query must start a
 * word of the heading ("s m" finds "Success metrics"). */
export function filterSections<T extends { heading: string }>(sections: T[], query: string): T[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return sections.filter((s) => {
    const hw = s.heading.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    return words.every((w) => hw.some((x) => x.startsWith(w)));
  });
}

/** A stable colour for a person, for presence dots and carets. */
export function personColour(key: string): string {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} 65% 45%)`;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '?';
  if (parts.length === 1) return parts[0].slice(0, 2).toUpperCase();
  return (parts[0][0] + parts[parts.length - 1][0]).toUpperCase();
}

/** A section's chrome (heading, gaps) and a line of its text, in CSS pixels, and the
 * characters a line of the brief's column holds: rough on purpose, see `sectionHeight`. */
export const SECTION_CHROME_PX = 64;
export const LINE_PX = 24;
export const LINE_CHARS = 80;

/**
 * About how tall a section is drawn, from the lengths of its blocks (an empty section has one
 * empty line). An estimate errs safely either way: a section counted on the first screen
 * mounts its editor at once; one counted below shows as text that looks the same and becomes
 * the editor when reached.
 */
export function sectionHeight(blockLengths: number[]): number {
  const lines = blockLengths.length === 0 ? 1 : blockLengths.reduce((n, len) => n + Math.max(1, Math.ceil(len / LINE_CHARS)), 0);
  return SECTION_CHROME_PX + lines * LINE_PX;
}

/**
 * A height a section is drawn at least as tall as (by `sectionHeight`), from its body's length
 * alone — Yjs keeps that, so nothing is read. The body's `length` units are its characters
 * plus one marker per block, and a block takes a line per LINE_CHARS characters and at least
 * one: so at least length / (LINE_CHARS + 1) lines.
 */
export function sectionHeightAtLeast(bodyLength: number): number {
  return SECTION_CHROME_PX + Math.max(1, Math.floor(bodyLength / (LINE_CHARS + 1))) * LINE_PX;
}

/**
 * Splits sections (in page order) into the ones whose editors mount before the brief is
 * first painted — every section up to and including the one that crosses `budget` (the
 * window's height) — and the ones shown as text right after, when the browser is idle, each
 * becoming an editor when reached. `size(s, left)` is a section's height, or any figure of at
 * least `left` for one at least that tall (it crosses the budget; by how much does not
 * matter); it is asked only while some budget is left.
 */
export function firstScreen<T>(sections: T[], budget: number, size: (s: T, left: number) => number): { now: T[]; later: T[] } {
  let left = budget;
  const now: T[] = [];
  const later: T[] = [];
  for (const s of sections) {
    if (left > 0) {
      now.push(s);
      left -= size(s, left);
    } else later.push(s);
  }
  return { now, later };
}

/** "has not seen 3 of your changes", "has all of your changes", or why there is no count. */
export function deviceState(d: DeviceStatus): string {
  if (d.unseen === null) return d.via ? 'syncs with this laptop through another device' : 'has not synced this brief with this laptop yet';
  if (d.unseen === 0) return 'has all of your changes';
  return `has not seen ${d.unseen} of your changes`;
}

/** "connected now", "connected through Ben Okafor (engineer)", "last seen 5 min ago", "never seen". */
export function deviceSeen(d: DeviceStatus, now: number = Date.now()): string {
  if (d.connected) return 'connected now';
  // a relay this laptop could not reach (src/status.rs)
  if (d.unreachable_since !== null) return `unreachable since ${new Date(d.unreachable_since).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}${d.unreachable ? ` (${d.unreachable})` : ''}`;
  if (d.via) return `connected through ${d.via}`;
  if (d.last_seen === null) return 'never seen';
  return `last seen ${relativeTime(d.last_seen, now)}`;
}

/** The title-bar line of a brief's sync status, and how it should look. */
export function syncSummary(st: BriefStatus): { text: string; state: 'offline' | 'behind' | 'synced' | 'alone' } {
  if (st.devices.length === 0) return { text: 'Only on this laptop', state: 'alone' };
  const behind = st.devices.filter((d) => d.unseen !== null && d.unseen > 0);
  if (behind.length > 0) {
    const first = behind[0];
    const more = behind.length > 1 ? ` (+${behind.length - 1} more)` : '';
    const text = `${first.name} ${deviceState(first)}${more}`;
    return { text: st.offline ? `Offline: your changes are stored on this laptop · ${text}` : text, state: st.offline ? 'offline' : 'behind' };
  }
  if (st.offline) return { text: 'Offline: your changes are stored on this laptop', state: 'offline' };
  const n = st.devices.filter((d) => d.connected).length;
  return { text: `Up to date · ${n} device${n === 1 ? '' : 's'} connected`, state: 'synced' };
}

/** Where a merge receipt item jumps to (an element id the brief screen knows). */
export function partTarget(part: Part): string {
  switch (part.kind) {
    case 'section':
      return part.section;
    case 'title':
      return 'brief-title';
    case 'decisions':
      return 'decisions';
    case 'concerns':
      return 'concerns';
    case 'questions':
      return 'questions';
    case 'signoffs':
      return 'weighed-in';
  }
}

/** "Problem statement — changed by Ben Okafor (engineer) and by you while apart: review". */
export function receiptLine(item: ReceiptItem, label: (p: Part) => string): string {
  const by = item.by.length ? item.by.join(', ') : 'someone';
  return item.both ? `${label(item.part)} — changed by ${by} and by you while apart: review` : `${label(item.part)} — changed by ${by}`;
}

/** Runs `fn` at most once per `ms`, `ms` after the first `schedule()` since it last ran: a
 * stream of calls closer together than `ms` (peers typing) still runs it every `ms`, where a
 * debounce would wait for a pause that never comes. */
export class Coalescer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    private readonly fn: () => void,
    private readonly ms: number,
  ) {}
  schedule() {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fn();
    }, this.ms);
  }
  cancel() {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Runs an async task for the newest request only. While a run is under way, later requests
 * collapse into one more run with the newest value once it ends: a burst of keystrokes asks
 * the engine once per answer it can give, never queues a stale query, and the last value is
 * always run. */
export class Latest<T> {
  private running = false;
  private next: { value: T } | null = null;
  constructor(private readonly fn: (value: T) => Promise<void>) {}
  request(value: T): void {
    this.next = { value };
    if (!this.running) void this.pump();
  }
  private async pump() {
    this.running = true;
    try {
      while (this.next) {
        const { value } = this.next;
        this.next = null;
        try {
          await this.fn(value);
        } catch (e) {
          console.error(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
