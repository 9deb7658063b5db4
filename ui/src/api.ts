// Typed calls to the engine over Tauri IPC (src-tauri/src/commands.rs).
import { invoke } from '@tauri-apps/api/core';
import { parseOpenReply } from './sync';
import type { Access, BriefStatus, EditorView, Exported, InviteOptions, KnownClient, Section, SectionChange, SectionDiff, VersionInfo, KnownDevice, RelayView, LibraryPage, ListSort, Profile, TemplateInfo, Role } from './types';

export const api = {
  profile: () => invoke<Profile>('profile'),
  setProfile: (name: string, role: Role) => invoke<void>('set_profile', { name, role }),
  templates: () => invoke<TemplateInfo[]>('templates'),
  listBriefs: (query: string, sort: ListSort, limit: number) => invoke<LibraryPage>('list_briefs', { query, sort, limit }),
  createBrief: (title: string, template: string) => invoke<string>('create_brief', { title, template }),
  importMarkdown: (markdown: string) => invoke<string>('import_markdown', { markdown }),
  /** Attaches this window's Yjs document for a brief: resolves with the editor id and what the
   * engine sent while attaching; the rest comes over the editor's link (`editorSocket`). */
  openBrief: async (brief: string, clientId: number) => parseOpenReply(await invoke<ArrayBuffer>('open_brief', { brief, clientId })),
  /** Where an open editor's link to the engine connects (enginelink.ts). */
  editorSocket: () => invoke<string>('editor_socket'),
  closeBrief: (editor: number) => invoke<void>('close_brief', { editor }),
  /** The sections others changed since this device's person last looked at the brief. */
  sinceLooked: (brief: string) => invoke<SectionChange[]>('since_looked', { brief }),
  /** This device's person has seen the brief as it is now. */
  markSeen: (brief: string) => invoke<void>('mark_seen', { brief }),
  /** The brief's versions, oldest first. */
  versions: (brief: string) => invoke<VersionInfo[]>('versions', { brief }),
  /** A version as it read: each section and its text then. */
  versionSections: (brief: string, version: string) => invoke<[Section, string][]>('version_sections', { brief, version }),
  /** How each section differs between a version and now. */
  versionDiff: (brief: string, version: string) => invoke<SectionDiff[]>('version_diff', { brief, version }),
  /** Who writes for each client id of a brief (colouring text by author). */
  authors: (brief: string) => invoke<KnownClient[]>('authors', { brief }),
  /** The brief that was open when the app last ended (src-tauri/src/placement.rs). */
  lastBrief: () => invoke<string | null>('last_brief'),
  /** What the window shows now, reopened at the next start: a brief, or the list (null). */
  rememberBrief: (brief: string | null) => invoke<void>('remember_brief', { brief }),
  op: (brief: string, op: Record<string, unknown>) => invoke<EditorView>('brief_op', { brief, op }),
  /** Through "Save as…" (null if cancelled), or into GROUNDWORK_EXPORT_DIR when it is set. */
  exportBrief: (brief: string, format: 'markdown' | 'html' | 'json' | 'pdf') => invoke<Exported | null>('export_brief', { brief, format }),
  /** One decision as an ADR, saved as exportBrief saves. */
  exportDecision: (brief: string, decision: string) => invoke<Exported | null>('export_decision', { brief, decision }),
  /** "Open…": a Markdown file imported as a new brief; its id, or null if cancelled. */
  openMarkdown: () => invoke<string | null>('open_markdown'),
  /** Which devices share the brief, connected or last heard, and what of ours they lack. */
  syncStatus: (brief: string) => invoke<BriefStatus>('sync_status', { brief }),
  /** Every device this one has met, connected now or when last seen. */
  devices: () => invoke<KnownDevice[]>('devices'),
  /** Adds a device by address (host:port): remembered and dialled. */
  addPeer: (addr: string) => invoke<void>('add_peer', { addr }),
  /** The brief's relays ("Sync beyond this network", src/frontend/relays.rs). */
  relays: (brief: string) => invoke<RelayView[]>('relays', { brief }),
  addRelay: (brief: string, url: string, token: string | null, tokenIn: 'query' | 'header') => invoke<void>('add_relay', { brief, url, token, tokenIn }),
  removeRelay: (brief: string, url: string) => invoke<void>('remove_relay', { brief, url }),
  dismissReceipt: (brief: string) => invoke<void>('dismiss_receipt', { brief }),
  /** The invite code shown before (still valid), or with `options` a new one. */
  inviteBrief: (brief: string, options?: InviteOptions) => invoke<string>('invite_brief', { brief, options: options ?? null }),
  /** Who may sync the brief (approved, asking, removed) and this device's own join. */
  access: (brief: string) => invoke<Access>('access', { brief }),
  approveDevice: (brief: string, device: string) => invoke<void>('approve_device', { brief, device }),
  /** Removes a device (or declines its request); the brief's secret is rotated. */
  removeDevice: (brief: string, device: string) => invoke<void>('remove_device', { brief, device }),
  joinBrief: (code: string) => invoke<string>('join_brief', { code }),
  /** Keeps the window open after a close request (src-tauri/src/closing.rs). */
  holdClose: () => invoke<void>('hold_close'),
  /** Reports a figure to the shell (printed for benchmarks when GROUNDWORK_METRICS is set). */
  metric: (name: string, value: number, detail = '') => {
    invoke<void>('metric', { name, value, detail }).catch(() => {});
  },
};
