// Opening the automerge-paper brief in the desktop app, before and after a change, taking
// turns: for each build, a data directory prepared by its own CLI as app-bench.mjs prepares
// it, then RUNS launches clicking the brief once the list is shown and the app idle.
// Prints each open (ms to editable) with the marks the app logs on the way (received,
// attached, synced, view, rendered, frame), and the medians. A quicker loop than
// scripts/bench-before-after.sh for the open figure alone; nothing here asserts on time.
// Env: BUILDS="name=/dir/with/binaries,name2=/dir2", TRACE, RUNS (default 5); COMMENTED="name2"
// gives those builds' brief THREADS (200) comment threads, made through the CLI before the
// compaction (the same build under two names: the open with threads against without).
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launcher } from './launch.mjs';
import { median } from './stats.mjs';

const trace = resolve(process.env.TRACE ?? '../shared/data/automerge-paper.json.gz');
const RUNS = Number(process.env.RUNS ?? 5);
const commented = (process.env.COMMENTED ?? '').split(',').filter(Boolean);
const THREADS = Number(process.env.THREADS ?? 200);
const builds = (process.env.BUILDS ?? '').split(',').filter(Boolean).map((b) => {
  const [name, dir] = b.split('=');
  return { name, dir: resolve(dir) };
});
if (!builds.length) throw new Error('BUILDS="name=/dir,..." (each dir holds groundwork and groundwork-app)');

for (const b of builds) {
  const tmp = mkdtempSync(join(tmpdir(), 'gw-open-'));
  b.env = { ...process.env, GROUNDWORK_DATA_DIR: join(tmp, 'data'), GROUNDWORK_METRICS: '1', GROUNDWORK_NO_MDNS: '1', GROUNDWORK_LISTEN: '127.0.0.1:0' };
  for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
    b.env[v] = join(tmp, v.toLowerCase());
    mkdirSync(b.env[v], { recursive: true });
  }
  const run = (...args) => execFileSync(join(b.dir, 'groundwork'), args, { env: b.env }).toString().trim();
  // the data directory app-bench.mjs prepares: three small briefs, the trace replayed and
  // compacted with one change stored after the snapshot, and the trace as one paragraph
  run('identity', '--name', 'Bench', '--role', 'engineer');
  for (const t of ['Onboarding drop-off', 'Slow search on large workspaces', 'Billing emails marked as spam']) {
    const id = run('new', t);
    run('set', id, 'problem', `${t}: a problem statement long enough to be searched.`);
  }
  b.big = run('replay', trace, '--section', 'problem');
  if (commented.includes(b.name)) {
    // one thread on the first ten plain letters of each of THREADS paragraphs
    const md = JSON.parse(run('show', b.big, '--format', 'json')).sections.problem;
    const quotes = md.split('\n\n').map((p) => p.match(/[A-Za-z][A-Za-z ]{9}/)?.[0]).filter(Boolean).slice(0, THREADS);
    for (const q of quotes) run('comment', b.big, 'problem', '--quote', q, 'A comment on these words.');
    console.log(`${b.name}: ${quotes.length} comment threads`);
  }
  run('compact', b.big);
  run('set', b.big, 'affected', 'Readers of the paper.');
  const single = run('replay', trace, '--section', 'problem', '--single-paragraph');
  run('compact', single);
  b.launcher = launcher(tmp, b.env);
  b.opens = [];
  b.comments = [];
}
for (let i = 0; i < RUNS; i++) {
  // the order flips every run (A B B A …), so neither build always goes second
  for (const b of i % 2 ? [...builds].reverse() : builds) {
    const l = await b.launcher.start('app', join(b.dir, 'groundwork-app'), { GROUNDWORK_AUTOPILOT: `open=${b.big};type=0;every=20;settle=1` }, 'brief_open', 120000);
    await l.wait('autopilot_done', 120000);
    // a build from before the comments were drawn after the first paint has no such metric
    const comments = await l.wait('brief_comments', 1).catch(() => null);
    await l.stop();
    b.opens.push(l.first.value);
    if (comments) b.comments.push(comments.value);
    console.log(`${b.name}: open ${l.first.value.toFixed(0)} ms ${l.first.detail}${comments ? `; comments drawn at ${comments.value.toFixed(0)} ms` : ''}`);
  }
}
for (const b of builds) {
  const drawn = b.comments.length ? `; comments drawn (panel, highlights, margin) at ${median(b.comments).toFixed(1)} ms` : '';
  console.log(`${b.name}: median open ${median(b.opens).toFixed(1)} ms over ${RUNS}${drawn}`);
}
// for scripts/bench-before-after.sh: each build's opens, one JSON line each
if (process.env.FIGURES_OUT)
  for (const b of builds) appendFileSync(process.env.FIGURES_OUT, JSON.stringify({ bench: 'open', build: b.name, opens: b.opens }) + '\n');
