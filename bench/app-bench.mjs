// Desktop app figures, side by side with a minimal Tauri 2 app (bench/minimal-app, the floor),
// in one run (scripts/bench-app.sh runs this under Xvfb):
//   - cold start to an interactive brief list (process spawn -> list painted), median of runs;
//   - time to open a brief holding the whole automerge-paper history (open -> editable),
//     clicked once the list is shown and the app idle, and clicked the moment it starts;
//   - keystroke to stored: an edit typed into the editor every 20 ms until the engine
//     acknowledged it as stored (fsync'd), p50 / p99 / max;
//   - memory with that brief open: RSS and PSS summed over the app and its WebKit processes,
//     right after the last keystroke and again once the app sat idle for IDLE_S seconds (the
//     minimal app likewise: as its window shows and IDLE_S seconds later); and, as a
//     reference, the same brief shown as text with no editor mounted.
// Figures are printed; nothing here asserts on time.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launcher } from './launch.mjs';
import { median, pct } from './stats.mjs';

const app = resolve(process.env.GROUNDWORK_APP);
const minimal = resolve(process.env.MINIMAL_APP);
const cli = resolve(process.env.GROUNDWORK_CLI);
const trace = resolve(process.env.TRACE ?? '../shared/data/automerge-paper.json.gz');
const RUNS = Number(process.env.RUNS ?? 5);
const KEYS = Number(process.env.KEYS ?? 300);
const IDLE_S = Number(process.env.IDLE_S ?? 10);
const idle = () => new Promise((r) => setTimeout(r, IDLE_S * 1000));

const tmp = mkdtempSync(join(tmpdir(), 'gw-bench-'));
const env = { ...process.env, GROUNDWORK_DATA_DIR: join(tmp, 'data'), GROUNDWORK_METRICS: '1', GROUNDWORK_NO_MDNS: '1', GROUNDWORK_LISTEN: '127.0.0.1:0', GROUNDWORK_EXPORT_DIR: join(tmp, 'exports') };
for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
  env[v] = join(tmp, v.toLowerCase());
  mkdirSync(env[v], { recursive: true });
}
const run = (...args) => execFileSync(cli, args, { env }).toString().trim();

console.error('[bench] preparing the data directory (replaying automerge-paper, ~30 s)…');
run('identity', '--name', 'Bench', '--role', 'engineer');
for (const t of ['Onboarding drop-off', 'Slow search on large workspaces', 'Billing emails marked as spam']) {
  const id = run('new', t);
  run('set', id, 'problem', `${t}: a problem statement long enough to be searched.`);
}
// typed as in the editor: a newline is Enter, so one paragraph per line
const replayStart = Date.now();
const big = run('replay', trace, '--section', 'problem');
const replayMs = Date.now() - replayStart; // the whole trace through the engine, stored: the CLI's wall time
run('compact', big);
run('set', big, 'affected', 'Readers of the paper.');
// the same trace kept as one 105k-character paragraph (the editor never makes this shape)
const single = run('replay', trace, '--section', 'problem', '--single-paragraph');
run('compact', single);

/** Children of a pid, recursively (WebKit's web and network processes). */
function tree(pid) {
  const out = [pid];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(...tree(Number(p)));
    } catch {
      /* gone */
    }
  }
  return out;
}

function memory(pid) {
  let rss = 0;
  let pss = 0;
  const names = [];
  const per = [];
  for (const p of tree(pid)) {
    try {
      const r = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(r)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(r)?.[1] ?? 0);
      const name = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      names.push(name);
      per.push(`${name} ${(Number(/^Pss:\s+(\d+)/m.exec(r)?.[1] ?? 0) / 1024).toFixed(0)}`);
    } catch {
      /* gone */
    }
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, processes: names, per: per.join(', ') };
}

const { start, hung } = launcher(tmp, env);

const f = (x, d = 0) => x.toFixed(d);

// How groundwork draws here (src-tauri/src/rendering.rs): without a GPU it turns WebKit's GL
// compositing off. The minimal app is measured as Tauri ships it and, when that happened, also
// drawn the same way, so the comparison holds either way.
const probe = await start('app', app, {});
const drawing = await probe.wait('compositing');
const tiers = await probe.wait('js_tiers');
await probe.stop();
const sameWay = drawing.value === 0 ? { WEBKIT_DISABLE_COMPOSITING_MODE: '1' } : {};

// ---- cold start, alternating the apps -------------------------------------------------------
const starts = { app: [], minimal: [], minimalSame: [] };
for (let i = 0; i < RUNS; i++) {
  for (const [name, bin, extra] of [['minimal', minimal, {}], ['minimalSame', minimal, sameWay], ['app', app, {}]]) {
    const l = await start(name, bin, extra);
    starts[name].push(l.first.at - l.t0);
    await l.stop();
  }
}

// ---- the large brief: open, type, memory ----------------------------------------------------
const l0 = await start('app', app, {});
const memList = memory(l0.child.pid);
await l0.stop();
// a person clicks once the list is on screen and the app is idle (settle=1); memory is
// measured in this run, warm-up included
const l = await start('app', app, { GROUNDWORK_AUTOPILOT: `open=${big};type=${KEYS};every=20;settle=1` }, 'brief_open', 120000);
const opened = l.first;
const allEditors = await l.wait('brief_all_sections', 120000);
const done = await l.wait('autopilot_done', 120000 + KEYS * 100);
const acks = JSON.parse(done.detail || '[]');
const memApp = memory(l.child.pid);
await idle();
const memAppIdle = memory(l.child.pid);
await l.stop();
// a reference, not a target: the same brief shown with no editor mounted at all (every
// section as text), to tell what showing it costs from what editing it costs
const lt = await start('app', app, { GROUNDWORK_AUTOPILOT: `open=${big};type=0;every=20;settle=1;text=1` }, 'autopilot_done', 120000);
const memText = memory(lt.child.pid);
await idle();
const memTextIdle = memory(lt.child.pid);
await lt.stop();
// the same click made the moment the app starts, before anything ran: the cold case
const lc = await start('app', app, { GROUNDWORK_AUTOPILOT: `open=${big};type=0;every=20` }, 'brief_open', 120000);
const openedCold = lc.first;
await lc.wait('autopilot_done', 120000);
await lc.stop();
const ls = await start('app', app, { GROUNDWORK_AUTOPILOT: `open=${single};type=0;every=20;settle=1` }, 'brief_open', 120000);
const openedSingle = ls.first;
await ls.wait('autopilot_done', 120000);
await ls.stop();
const lm = await start('minimal', minimal, {});
const memMin = memory(lm.child.pid);
await idle();
const memMinIdle = memory(lm.child.pid);
await lm.stop();
const lms = await start('minimalSame', minimal, sameWay);
const memMinSame = memory(lms.child.pid);
await idle();
const memMinSameIdle = memory(lms.child.pid);
await lms.stop();

// for scripts/bench-before-after.sh: this run's figures, one JSON line
if (process.env.FIGURES_OUT)
  appendFileSync(
    process.env.FIGURES_OUT,
    JSON.stringify({ bench: 'app', build: process.env.FIGURES_BUILD, replay: replayMs, open: opened.value, openCold: openedCold.value, allShown: allEditors.value, acks, start: median(starts.app), minimalStart: median(starts.minimal) }) + '\n',
  );
const stored = JSON.parse(run('show', big, '--format', 'json'));
console.log('');
console.log('Desktop app vs a minimal Tauri 2 app (empty window), same machine, same run');
console.log(`(release builds, Xvfb; ${RUNS} starts each; automerge-paper brief: ${stored.sections.problem.length} chars of text, 259,778 edits of history)`);
console.log('');
const sm = median(starts.minimalSame);
console.log(`groundwork draws ${drawing.value ? 'with' : 'without'} GL compositing here (${drawing.detail}); its JavaScript runs on ${tiers.detail}.`);
console.log('Minimal app: as Tauri ships it, and drawn the way groundwork draws here.');
console.log('');
console.log('| figure | groundwork | minimal app | ratio | minimal app drawn the same way | ratio | target |');
console.log('|---|---|---|---|---|---|---|');
console.log(`| start to interactive list, median (ms) | ${f(median(starts.app))} | ${f(median(starts.minimal))} | ${f(median(starts.app) / median(starts.minimal), 2)} | ${f(sm)} | ${f(median(starts.app) / sm, 2)} | <= 1000 ms |`);
console.log(`| start to interactive list, max (ms) | ${f(Math.max(...starts.app))} | ${f(Math.max(...starts.minimal))} | | ${f(Math.max(...starts.minimalSame))} | | |`);
console.log(`| open the automerge-paper brief until editable and painted, clicked once the list is shown and idle (ms) | ${f(opened.value)} | | | | | <= 300 ms |`);
console.log(`| same, clicked the moment the app starts (cold, nothing warmed yet) (ms) | ${f(openedCold.value)} | | | | | |`);
console.log(`| same, until every section is shown (the first screen as editors, the rest as text that becomes an editor when reached) (ms) | ${f(allEditors.value)} | | | | | |`);
console.log(`| same, trace kept as one 105k-character paragraph (ms) | ${f(openedSingle.value)} | | | | | |`);
console.log(`| keystroke to stored, p50 / p99 / max (ms, ${acks.length} keys at 20 ms) | ${f(pct(acks, 50), 2)} / ${f(pct(acks, 99), 2)} / ${f(Math.max(...acks), 2)} | | | | | |`);
const memRow = (what, a, m, ms, target = '') =>
  console.log(`| ${what} | ${f(a)} | ${f(m)} | ${f(a / m, 2)} | ${f(ms)} | ${f(a / ms, 2)} | ${target} |`);
memRow('memory RSS, summed, right after the last keystroke (MB)', memApp.rssMb, memMin.rssMb, memMinSame.rssMb);
memRow('memory PSS, summed, right after the last keystroke (MB)', memApp.pssMb, memMin.pssMb, memMinSame.pssMb, '<= 1.3x');
memRow(`memory PSS, summed, after ${IDLE_S} s idle (MB)`, memAppIdle.pssMb, memMinIdle.pssMb, memMinSameIdle.pssMb, '<= 1.3x');
memRow('reference: memory PSS with the brief shown as text only, no editor mounted, right away (MB)', memText.pssMb, memMin.pssMb, memMinSame.pssMb);
memRow(`reference: the same, after ${IDLE_S} s idle (MB)`, memTextIdle.pssMb, memMinIdle.pssMb, memMinSameIdle.pssMb);
console.log('');
console.log(`groundwork with only the list shown: RSS ${f(memList.rssMb)} MB, PSS ${f(memList.pssMb)} MB`);
console.log(`opening the large brief, ms since the click: ${opened.detail}`);
console.log(`opening it cold, ms since the click: ${openedCold.detail}`);
console.log(`opening the one-paragraph variant, ms since the click: ${openedSingle.detail}`);
console.log(`processes counted: groundwork ${memApp.processes.join(', ')}; minimal ${memMin.processes.join(', ')}`);
console.log(`starts (ms): groundwork ${starts.app.join(', ')}; minimal ${starts.minimal.join(', ')}; minimal drawn the same way ${starts.minimalSame.join(', ')}`);
console.log(`memory per process (PSS MB): groundwork ${memApp.per}; minimal ${memMin.per}; minimal drawn the same way ${memMinSame.per}`);
console.log(`memory per process after ${IDLE_S} s idle (PSS MB): groundwork ${memAppIdle.per}; minimal ${memMinIdle.per}; minimal drawn the same way ${memMinSameIdle.per}`);
console.log(`starts that did not get going (exited or hung; killed, retried): groundwork ${hung.app ?? 0}, minimal ${hung.minimal ?? 0}, minimal drawn the same way ${hung.minimalSame ?? 0}`);
