// What the engine returns over IPC. The types are generated from the Rust types
// (ipc.generated.ts, by tests/ipc_types.rs); this file adds the UI's labels for them.
import type { ConcernKind, ConcernStatus, Role } from './ipc.generated';
export type {
  Access,
  AppError,
  DeviceState,
  InviteOptions,
  RosterEntry,
  BriefStatus,
  DeviceStatus,
  FlaggedDecision,
  KnownClient,
  SectionDiff,
  SectionChange,
  CommentThread,
  Reply,
  DiffOp,
  VersionInfo,
  VersionKind,
  KnownDevice,
  RelayView,
  MergeReceipt,
  Part,
  ReceiptItem,
  Concern,
  ConcernKind,
  ConcernStatus,
  Decision,
  EditorView,
  ErrorKind,
  Exported,
  LayoutSection,
  LibraryEntry,
  LibraryPage,
  ListSort,
  Member,
  Profile,
  Question,
  Role,
  Section,
  Signoff,
  SignoffStatus,
  Template,
  TemplateInfo,
} from './ipc.generated';

export const ROLES: Role[] = ['pm', 'engineer', 'designer'];
export const ROLE_LABEL: Record<Role, string> = { pm: 'PM', engineer: 'Engineering', designer: 'Design' };
export const ROLE_PERSON: Record<Role, string> = { pm: 'PM', engineer: 'Engineer', designer: 'Designer' };

export const CONCERN_KINDS: [ConcernKind, string][] = [
  ['evidence', 'Evidence gap'],
  ['feasibility', 'Feasibility'],
  ['ux', 'UX risk'],
  ['scope', 'Scope / appetite'],
  ['health', 'System health'],
];
export const CONCERN_STATUSES: [ConcernStatus, string][] = [
  ['open', 'Open'],
  ['addressed', 'Addressed'],
  ['accepted', 'Accepted'],
];

