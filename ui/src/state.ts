// What every screen shares: the app root, the person, the templates, the open brief session, and
// the figures the benchmarks read (window.__gw).
import type { BriefSession } from './screens/brief/session';
import { type Profile, type TemplateInfo } from './types';

export interface Metrics {
  listInteractiveMs?: number;
  open: { brief: string; ms: number }[];
  ack: number[];
  /** Search box: each typed query's time from keystroke to its list on screen. */
  search: { q: string; ms: number; rows: number }[];
}

declare global {
  interface Window {
    __gw: { metrics: Metrics; screen: string; session?: BriefSession; profile?: Profile; warm?: Promise<void> };
  }
}

window.__gw = { metrics: { open: [], ack: [], search: [] }, screen: 'loading' };

export const root = document.getElementById('app') as HTMLElement;
/** The app's shared state. */
export const app = {
  profile: undefined as unknown as Profile,
  templates: [] as TemplateInfo[],
  session: null as BriefSession | null,
  /** How much of the window counts as the first screen, whose sections open as editors. The
   * benchmark's text-only reference (autopilot `text=1`) sets it to nothing. */
  firstScreenPx: () => window.innerHeight,
};

