// Shapes of what the engine returns over IPC (see src/frontend.rs and src-tauri/src/commands.rs).
export type Role = 'pm' | 'engineer' | 'designer';
export const ROLES: Role[] = ['pm', 'engineer', 'designer'];
export const ROLE_LABEL: Record<Role, string> = { pm: 'PM', engineer: 'Engineering', designer: 'Design' };
export const ROLE_PERSON: Record<Role, string> = { pm: 'PM', engineer: 'Engineer', designer: 'Designer' };

export type ConcernKind = 'evidence' | 'feasibility' | 'ux' | 'scope' | 'health';
export const CONCERN_KINDS: [ConcernKind, string][] = [
  ['evidence', 'Evidence gap'],
  ['feasibility', 'Feasibility'],
  ['ux', 'UX risk'],
  ['scope', 'Scope / appetite'],
  ['health', 'System health'],
];
export type ConcernStatus = 'open' | 'addressed' | 'accepted';
export const CONCERN_STATUSES: [ConcernStatus, string][] = [
  ['open', 'Open'],
  ['addressed', 'Addressed'],
  ['accepted', 'Accepted'],
];

export interface Profile {
  name: string;
  role: Role;
  device: string;
  confirmed: boolean;
  data_dir: string;
  export_dir: string;
  listen: string | null;
  /** Benchmark mode, from GROUNDWORK_AUTOPILOT. */
  autopilot: string | null;
}

export interface TemplateInfo {
  id: string;
  label: string;
  sections: [string, string][];
}

export interface LibraryEntry {
  id: string;
  title: string;
  template: string;
  template_label: string;
  created_at: number;
  updated_at: number;
  signed: number;
  stale: number;
  open_concerns: number;
  open_questions: number;
  excerpt: string;
  matched: string;
}

export interface Signoff {
  role: Role;
  name: string;
  signed_at: string;
  stale: boolean;
  changed_sections: string[];
}

export interface Decision {
  id: string;
  date: string;
  decision: string;
  context: string;
  alternatives: string;
  tradeoffs: string;
  decided_by: Role[];
  rests_on: string[];
  changed_since: string[];
  author: string;
}

export interface Concern {
  id: string;
  role: Role;
  kind: ConcernKind;
  text: string;
  status: ConcernStatus;
  author: string;
  created_at: string;
}

export interface Question {
  id: string;
  text: string;
  author: string;
  created_at: string;
  resolved: boolean;
}

export interface LayoutSection {
  section: string;
  heading: string;
  problem_space: boolean;
}

export interface EditorView {
  id: string;
  title: string;
  template: string;
  template_label: string;
  created_at: string;
  layout: LayoutSection[];
  signoff: { signoffs: Signoff[]; pending: Role[]; complete: boolean };
  decisions: Decision[];
  concerns: Concern[];
  questions: Question[];
  members: { device: string; name: string; role: Role }[];
  /** Changes from a peer were refused (a newer version's document schema), and why. */
  refused?: string | null;
}

export interface AppError {
  kind: string;
  message: string;
}
