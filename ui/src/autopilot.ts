// Benchmark mode, loaded only when GROUNDWORK_AUTOPILOT is set (its own chunk, not in the main
// bundle).
import { api } from './api';
import { openBrief } from './screens/brief/session';
import { app } from './state';

/** Benchmark mode (GROUNDWORK_AUTOPILOT=open=<id>;type=<n>;every=<ms>[;settle=1][;text=1]):
 * opens a brief (with `settle`, once the list is shown and the app idle, as a person would)
 * and types into its first section through the editor, the same path a keystroke takes. With
 * `text=1` every section is shown as text and no editor mounts (nothing is typed): the
 * benchmark's reference for what showing the brief costs without an editor. */
export async function runAutopilot(spec: string) {
  const opts = Object.fromEntries(spec.split(';').map((kv) => kv.split('=') as [string, string]));
  if (opts.search) return searchAutopilot(opts.search.split(','), Number(opts.every ?? 150));
  if (!opts.open) return;
  if (opts.text) app.firstScreenPx = () => 0;
  if (opts.settle) {
    // like a person: the list is on screen and the app idle before the click
    while (!window.__gw.warm) await new Promise((r) => requestAnimationFrame(r));
    await window.__gw.warm;
  }
  await openBrief(opts.open);
  const s = app.session;
  if (!s) return;
  await s.painted; // a person cannot type before the brief is on screen
  if (opts.text) {
    await s.shown;
    await new Promise((r) => setTimeout(r, 500));
    api.metric('autopilot_done', 0, '[]');
    return;
  }
  const section = s.view.layout[0].section;
  const ed = s.editors.get(section)!;
  ed.commands.focus('start');
  const n = Number(opts.type ?? 0);
  const every = Number(opts.every ?? 20);
  const before = window.__gw.metrics.ack.length;
  for (let i = 0; i < n; i++) {
    ed.commands.insertContent(String.fromCharCode(97 + (i % 26)));
    await new Promise((r) => setTimeout(r, every));
  }
  await new Promise((r) => setTimeout(r, 500));
  const acks = window.__gw.metrics.ack.slice(before);
  api.metric('autopilot_done', acks.length, JSON.stringify(acks));
}


/** Benchmark mode (GROUNDWORK_AUTOPILOT=search=<word>,<word>…[;every=<ms>]): once the list is
 * shown and the app idle, types each word into the search box a letter at a time, as a
 * person would (a letter, then `every` ms after its list showed), and reports each query's
 * keystroke-to-list-on-screen time (the list screen records them). */
async function searchAutopilot(words: string[], every: number) {
  while (!window.__gw.warm) await new Promise((r) => requestAnimationFrame(r));
  await window.__gw.warm;
  const box = document.getElementById('search') as HTMLInputElement;
  const m = window.__gw.metrics.search;
  const typeIn = async (value: string) => {
    const before = m.length;
    box.value = value;
    box.dispatchEvent(new Event('input'));
    const t0 = performance.now();
    while (!m.slice(before).some((x) => x.q === value) && performance.now() - t0 < 10000) {
      await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setTimeout(r, every));
  };
  const start = m.length;
  for (const w of words) {
    for (let i = 1; i <= w.length; i++) await typeIn(w.slice(0, i));
    await typeIn('');
  }
  const typed = m.slice(start).filter((x) => x.q !== '');
  api.metric('autopilot_done', typed.length, JSON.stringify(typed));
}
