import { describe, expect, it, vi } from 'vitest';
import {
  Coalescer,
  Latest,
  deviceSeen,
  deviceState,
  partTarget,
  receiptLine,
  syncSummary,
  concernsByRole,
  filterSections,
  firstScreen,
  sectionHeight,
  sectionHeightAtLeast,
  SECTION_CHROME_PX,
  LINE_PX,
  initials,
  isParkingLot,
  matchShortcut,
  relativeTime,
  roleSummaries,
  signoffHeadline,
} from '../src/logic';
import type { BriefStatus, Concern, DeviceStatus, Signoff } from '../src/types';

const so = (role: Signoff['role'], stale = false): Signoff => ({ role, name: role.toUpperCase(), signed_at: '2026-01-01T00:00:00Z', stale, changed_sections: stale ? ['problem'] : [] });
const concern = (role: Concern['role'], status: Concern['status'], at = '2026-01-01'): Concern => ({ id: `${role}${status}${at}`, role, kind: 'feasibility', text: 't', status, author: 'x', created_at: at });

describe('sign-off and weighing in', () => {
  it('answers "has engineering weighed in yet?"', () => {
    const view = { signoff: { signoffs: [so('pm')], pending: ['engineer', 'designer'] as Signoff['role'][], complete: false }, concerns: [] as Concern[] };
    const eng = roleSummaries(view).find((r) => r.role === 'engineer')!;
    expect(eng.weighedIn).toBe(false);
    expect(eng.line).toBe('Engineering: has not signed off · no concerns raised');
    view.concerns = [concern('engineer', 'open'), concern('engineer', 'addressed')];
    const eng2 = roleSummaries(view).find((r) => r.role === 'engineer')!;
    expect(eng2.weighedIn).toBe(true);
    expect(eng2.line).toBe('Engineering: has not signed off · 1 open concern of 2');
  });

  it('tells signed, stale and pending apart and gates the solution space', () => {
    const signoff = { signoffs: [so('pm'), so('engineer', true)], pending: ['designer'] as Signoff['role'][], complete: false };
    const s = roleSummaries({ signoff, concerns: [] });
    expect(s.map((r) => r.state)).toEqual(['signed', 'stale', 'pending']);
    expect(signoffHeadline({ signoff })).toBe('1 of 3 signed off · 1 stale');
    expect(isParkingLot({ signoff })).toBe(true);
    const all = { signoffs: [so('pm'), so('engineer'), so('designer')], pending: [], complete: true };
    expect(signoffHeadline({ signoff: all })).toBe('Problem signed off by every role');
    expect(isParkingLot({ signoff: all })).toBe(false);
  });

  it('groups concerns by role, open first', () => {
    const by = concernsByRole([concern('designer', 'accepted', '1'), concern('designer', 'open', '2'), concern('pm', 'open')]);
    expect(by.designer.map((c) => c.status)).toEqual(['open', 'accepted']);
    expect(by.engineer).toEqual([]);
  });
});

describe('library', () => {
  it('writes times for people', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(relativeTime(now - 10_000, now)).toBe('just now');
    expect(relativeTime(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(relativeTime(now - 3 * 3600_000, now)).toBe('3 h ago');
    expect(relativeTime(now - 24 * 3600_000, now)).toBe('yesterday');
    expect(relativeTime(now - 30 * 24 * 3600_000, now)).toBe('2026-10-23');
  });
});

describe('keyboard', () => {
  const k = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });
  it('maps shortcuts with Ctrl or Cmd', () => {
    expect(matchShortcut(k('n', { ctrlKey: true }))).toBe('new');
    expect(matchShortcut(k('N', { metaKey: true }))).toBe('new');
    expect(matchShortcut(k('k', { ctrlKey: true }))).toBe('search');
    expect(matchShortcut(k('j', { ctrlKey: true }))).toBe('jump');
    expect(matchShortcut(k('Enter', { ctrlKey: true, shiftKey: true }))).toBe('signoff');
    expect(matchShortcut(k('D', { ctrlKey: true, shiftKey: true }))).toBe('decision');
    expect(matchShortcut(k('Escape'))).toBe('back');
    expect(matchShortcut(k('q', { ctrlKey: true }))).toBe('quit');
    expect(matchShortcut(k('Q', { ctrlKey: true, shiftKey: true }))).toBe('question');
  });
  it('leaves typing alone', () => {
    expect(matchShortcut(k('n'))).toBeNull();
    expect(matchShortcut(k('b', { ctrlKey: true }))).toBeNull(); // bold belongs to the editor
    expect(matchShortcut(k('n', { ctrlKey: true, altKey: true }))).toBeNull();
  });
  it('filters sections for the jump palette', () => {
    const s = [{ heading: 'Problem statement' }, { heading: 'Success metrics' }, { heading: 'Risks and rabbit holes' }];
    expect(filterSections(s, 'rab').map((x) => x.heading)).toEqual(['Risks and rabbit holes']);
    expect(filterSections(s, 'S M').map((x) => x.heading)).toEqual(['Success metrics']);
    expect(filterSections(s, '').length).toBe(3);
  });
  it('makes initials', () => {
    expect(initials('Ana Lima')).toBe('AL');
    expect(initials('kai')).toBe('KA');
    expect(initials('  ')).toBe('?');
  });
});

describe('first screen of a brief', () => {
  it('mounts every section that fits a window at once', () => {
    const secs = ['a', 'b', 'c'].map((name) => ({ name, size: sectionHeight([40]) }));
    expect(firstScreen(secs, 800, (s) => s.size)).toEqual({ now: secs, later: [] });
  });
  it('leaves the sections of a normal brief below the window for later', () => {
    const secs = Array.from({ length: 11 }, (_, i) => ({ name: String(i), size: sectionHeight([120, 60]) }));
    const { now, later } = firstScreen(secs, 800, (s) => s.size);
    expect(now.length).toBe(Math.ceil(800 / (SECTION_CHROME_PX + 3 * LINE_PX)));
    expect(now.length + later.length).toBe(11);
  });
  it('defers the sections below one that fills the screen', () => {
    const secs = [{ name: 'problem', size: 105000 }, { name: 'affected', size: 80 }, { name: 'evidence', size: 0 }];
    const { now, later } = firstScreen(secs, 800, (s) => s.size);
    expect(now.map((s) => s.name)).toEqual(['problem']);
    expect(later.map((s) => s.name)).toEqual(['affected', 'evidence']);
  });
  it('counts sizes up to the budget, including the section that crosses it', () => {
    const secs = [10, 10, 10, 10].map((size, i) => ({ name: String(i), size }));
    expect(firstScreen(secs, 25, (s) => s.size).now.length).toBe(3);
  });
});

describe('sizing the first screen from what Yjs keeps', () => {
  it('asks no size once a section crossed the budget', () => {
    const asked: string[] = [];
    const secs = ['problem', 'affected', 'evidence'].map((name) => ({ name }));
    firstScreen(secs, 800, (s) => (asked.push(s.name), 5000));
    expect(asked).toEqual(['problem']);
  });
  it('never says a section is taller than it is drawn (seeded)', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    console.log('seed 7');
    for (let i = 0; i < 2000; i++) {
      const lengths = Array.from({ length: 1 + rand(40) }, () => (rand(4) === 0 ? 0 : rand(rand(2) ? 60 : 400)));
      // a body's length: every block's characters and its marker
      const bodyLength = lengths.reduce((n, l) => n + l + 1, 0);
      expect(sectionHeightAtLeast(bodyLength)).toBeLessThanOrEqual(sectionHeight(lengths));
    }
    expect(sectionHeightAtLeast(0)).toBe(sectionHeight([]));
  });
});

describe('sectionHeight', () => {
  it('counts a line per short block, more for long ones, one for an empty section', () => {
    expect(sectionHeight([])).toBe(SECTION_CHROME_PX + LINE_PX);
    expect(sectionHeight([0, 10])).toBe(SECTION_CHROME_PX + 2 * LINE_PX);
    expect(sectionHeight([161])).toBe(SECTION_CHROME_PX + 3 * LINE_PX);
  });
});

describe('sync status', () => {
  const dev = (name: string, unseen: number | null, connected: boolean, last_seen: number | null = 1000): DeviceStatus => ({ device: name.toLowerCase().padEnd(64, '0'), name, connected, last_seen, as_of: unseen === null ? null : last_seen, unseen, via: null, unreachable_since: null, unreachable: null });
  const st = (devices: DeviceStatus[]): BriefStatus => ({ changes: 4, devices, offline: !devices.some((d) => d.connected), receipt: null, asking: [] });
  it('names the first device that lacks changes, with the count', () => {
    const s = syncSummary(st([dev('Dana (pm)', 3, true), dev('Eli (engineer)', 0, true)]));
    expect(s).toEqual({ text: 'Dana (pm) has not seen 3 of your changes', state: 'behind' });
    expect(syncSummary(st([dev('Dana (pm)', 1, true), dev('Eli', 2, true)])).text).toBe('Dana (pm) has not seen 1 of your changes (+1 more)');
  });
  it('says offline when no device is connected, and up to date otherwise', () => {
    expect(syncSummary(st([dev('Dana', 0, false)]))).toEqual({ text: 'Offline: your changes are stored on this laptop', state: 'offline' });
    expect(syncSummary(st([dev('Dana', 2, false)])).text).toBe('Offline: your changes are stored on this laptop · Dana has not seen 2 of your changes');
    expect(syncSummary(st([dev('Dana', 0, true), dev('Eli', null, false)]))).toEqual({ text: 'Up to date · 1 device connected', state: 'synced' });
    expect(syncSummary(st([])).state).toBe('alone');
  });
  it('describes each device', () => {
    expect(deviceState(dev('A', null, false))).toBe('has not synced this brief with this laptop yet');
    expect(deviceState(dev('A', 0, true))).toBe('has all of your changes');
    expect(deviceState(dev('A', 1, true))).toBe('has not seen 1 of your changes');
    expect(deviceSeen(dev('A', 0, true))).toBe('connected now');
    expect(deviceSeen(dev('A', 0, false, null))).toBe('never seen');
    expect(deviceSeen(dev('A', 0, false, 0), 10 * 60_000)).toBe('last seen 10 min ago');
    const through = { ...dev('Cleo', null, false), via: 'Ben Okafor (engineer)' };
    expect(deviceSeen(through)).toBe('connected through Ben Okafor (engineer)');
    expect(deviceState(through)).toBe('syncs with this laptop through another device');
    const relay = { ...dev('relay wss://yjs.example.com/room', 2, false), unreachable_since: Date.UTC(2026, 0, 1, 10, 42), unreachable: 'timed out' };
    expect(deviceSeen(relay)).toMatch(/^unreachable since .*\(timed out\)$/);
    expect(deviceSeen({ ...relay, connected: true })).toBe('connected now');
  });
});

describe('merge receipt', () => {
  it('says who changed what, and what to review', () => {
    const label = (p: Parameters<typeof partTarget>[0]) => (p.kind === 'section' ? `§${p.section}` : p.kind);
    expect(receiptLine({ part: { kind: 'section', section: 'problem' }, by: ['Ben (engineer)'], both: true }, label)).toBe('§problem — changed by Ben (engineer) and by you while apart: review');
    expect(receiptLine({ part: { kind: 'title' }, by: [], both: false }, label)).toBe('title — changed by someone');
    expect(partTarget({ kind: 'section', section: 'evidence' })).toBe('evidence');
    expect(partTarget({ kind: 'signoffs' })).toBe('weighed-in');
    expect(partTarget({ kind: 'title' })).toBe('brief-title');
  });
});

describe('Coalescer', () => {
  it('runs through a stream of calls that never pauses, at most once per period', () => {
    vi.useFakeTimers();
    try {
      let runs = 0;
      const c = new Coalescer(() => runs++, 250);
      for (let t = 0; t < 2000; t += 33) {
        c.schedule();
        vi.advanceTimersByTime(33);
      }
      expect(runs).toBeGreaterThanOrEqual(7);
      expect(runs).toBeLessThanOrEqual(8);
      c.schedule();
      c.cancel();
      const before = runs;
      vi.advanceTimersByTime(1000);
      expect(runs).toBe(before);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Latest', () => {
  it('runs the first and the newest of a burst, one at a time, never a stale one', async () => {
    const ran: string[] = [];
    let inFlight = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const l = new Latest<string>(async (q) => {
      inFlight++;
      most = Math.max(most, inFlight);
      ran.push(q);
      await new Promise<void>((r) => gates.push(r));
      inFlight--;
    });
    for (const q of ['a', 'an', 'and', 'andr']) l.request(q);
    expect(ran).toEqual(['a']);
    gates.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toEqual(['a', 'andr']);
    l.request('andro');
    gates.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    gates.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toEqual(['a', 'andr', 'andro']);
    expect(most).toBe(1);
  });
});
