// The brief library at the size of a year (scripts/bench-library.sh runs this under Xvfb):
// for a data directory of LARGE briefs (2,000) and one of SMALL (10), each made by the CLI
// (`groundwork import` of generated Markdown briefs with sections, a decision, a concern and
// a question), in one run:
//   - cold start to an interactive list (process spawn -> list painted), median of RUNS, and
//     the first start after the briefs were made (it indexes them: the CLI does not);
//   - search keystroke to list on screen, p50 / p99 / max, over WORDS typed a letter at a time
//     (GROUNDWORK_AUTOPILOT=search=…, the same input path a person's typing takes).
// Figures are printed; nothing here asserts on time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launcher } from './launch.mjs';
import { median, pct } from './stats.mjs';

const app = resolve(process.env.GROUNDWORK_APP);
const cli = resolve(process.env.GROUNDWORK_CLI);
const LARGE = Number(process.env.LARGE ?? 2000);
const SMALL = Number(process.env.SMALL ?? 10);
const RUNS = Number(process.env.RUNS ?? 3);
const SEED = Number(process.env.SEED ?? 7);
console.error(`[bench] seed ${SEED}`);

// a seeded generator (mulberry32) and made-up words, so every run writes the same briefs
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const syl = ['ka', 'lo', 'mi', 'ne', 'ro', 'ta', 'vi', 'su', 'pe', 'da', 'gor', 'lin', 'mar', 'tes', 'quo', 'zen'];
function words(r, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = 1 + Math.floor(r() * 3);
    let w = '';
    for (let j = 0; j < k; j++) w += syl[Math.floor(r() * syl.length)];
    out.push(w);
  }
  return out.join(' ');
}
// what is searched for: words of every kind of place, and one that no brief holds
const PLANTED = ['onboarding', 'invoices', 'latency', 'wizard', 'tenants', 'residency'];
const WORDS = (process.env.WORDS ?? 'onboarding,invoices latency,wizard,tenants,residency,xylophone').split(',');

function briefMarkdown(r, i) {
  const w = (n) => words(r, n);
  const plant = PLANTED[i % PLANTED.length];
  return `# ${w(3)} ${i % 7 === 0 ? plant : ''}

## Problem space

### Problem statement

${w(40)} ${i % 5 === 0 ? 'onboarding' : ''} ${w(20)}

### Evidence

${w(30)} ${i % 3 === 0 ? 'invoices' : ''} ${w(10)}

### Who is affected

${w(15)} ${i % 11 === 0 ? 'latency' : ''}

## Solution space

### Chosen approach

${w(35)}

## Decision log

### 2026-11-0${1 + (i % 9)} — ${w(5)} ${i % 4 === 0 ? 'wizard' : ''}

- **Context:** ${w(12)}
- **Decided by:** pm

## Concerns

- [open] **engineer · feasibility** — ${w(10)} ${i % 6 === 0 ? 'tenants' : ''}

## Open questions

- ${w(8)} ${i % 8 === 0 ? 'residency' : ''}?
`;
}

async function measure(n) {
  const tmp = mkdtempSync(join(tmpdir(), `gw-library-${n}-`));
  const env = { ...process.env, GROUNDWORK_DATA_DIR: join(tmp, 'data'), GROUNDWORK_METRICS: '1', GROUNDWORK_NO_MDNS: '1', GROUNDWORK_LISTEN: '127.0.0.1:0' };
  for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
    env[v] = join(tmp, v.toLowerCase());
    mkdirSync(env[v], { recursive: true });
  }
  execFileSync(cli, ['identity', '--name', 'Bench', '--role', 'engineer'], { env });
  const r = rng(SEED);
  const files = [];
  mkdirSync(join(tmp, 'md'));
  for (let i = 0; i < n; i++) {
    const f = join(tmp, 'md', `b${i}.md`);
    writeFileSync(f, briefMarkdown(r, i));
    files.push(f);
  }
  const t0 = Date.now();
  for (let i = 0; i < files.length; i += 250) {
    execFileSync(cli, ['import', ...files.slice(i, i + 250)], { env, maxBuffer: 1 << 24 });
  }
  console.error(`[bench] ${n} briefs imported by the CLI in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const { start, hung } = launcher(tmp, env);
  const first = await start('app', app, {});
  const firstMs = first.first.at - first.t0;
  await first.stop();
  const starts = [];
  for (let i = 0; i < RUNS; i++) {
    const l = await start('app', app, {});
    starts.push(l.first.at - l.t0);
    await l.stop();
  }
  const s = await start('app', app, { GROUNDWORK_AUTOPILOT: `search=${WORDS.join(',')};every=120` }, 'autopilot_done', 300000);
  const done = s.first;
  const typed = JSON.parse(done.detail || '[]');
  await s.stop();
  return { n, firstMs, starts, keys: typed.map((x) => x.ms), typed, hung: hung.app ?? 0 };
}

const small = await measure(SMALL);
const large = await measure(LARGE);
const f = (x, d = 0) => x.toFixed(d);
console.log(`\n## Library of a year: ${LARGE} briefs next to ${SMALL}, made by the CLI (seed ${SEED})\n`);
console.log(`| figure | ${LARGE} briefs | ${SMALL} briefs | target |`);
console.log('|---|---|---|---|');
console.log(`| first start after the CLI made them (indexes every brief), ms | ${f(large.firstMs)} | ${f(small.firstMs)} | |`);
console.log(`| start to interactive list, median of ${RUNS} (ms) | ${f(median(large.starts))} | ${f(median(small.starts))} | <= 1000 ms |`);
console.log(`| start to interactive list, max (ms) | ${f(Math.max(...large.starts))} | ${f(Math.max(...small.starts))} | |`);
for (const [name, p] of [['p50', 50], ['p99', 99]]) {
  console.log(`| search keystroke to list on screen, ${name} (ms) | ${f(pct(large.keys, p), 1)} | ${f(pct(small.keys, p), 1)} | <= 50 ms |`);
}
console.log(`| search keystroke to list on screen, max (ms) | ${f(Math.max(...large.keys), 1)} | ${f(Math.max(...small.keys), 1)} | |`);
console.log(`| keystrokes measured | ${large.keys.length} | ${small.keys.length} | |`);
console.log(`\nstarts that did not get going (retried): ${large.hung + small.hung}`);
console.log(`per query with ${LARGE} briefs (query: ms, briefs matched): ${large.typed.map((x) => `${x.q}: ${f(x.ms)}/${x.rows}`).join(', ')}`);
