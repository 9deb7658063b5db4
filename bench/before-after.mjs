// The side-by-side table of scripts/bench-before-after.sh: reads the JSON lines that
// bench/app-bench.mjs and bench/pair-bench.mjs appended to FIGURES_OUT (rounds of each build,
// taken in turns) and prints, per figure, before, after and their ratio. Medians over the
// rounds for one-off figures (opening the brief); percentiles over every sample pooled for
// per-key figures. The minimal Tauri app's start is printed as the machine's own pace in
// each build's rounds: a ratio far from 1 there means the machine, not the change, moved.
import { readFileSync } from 'node:fs';
import { median, pct } from './stats.mjs';

const lines = readFileSync(process.env.FIGURES_OUT, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const names = [process.env.BEFORE_NAME, process.env.AFTER_NAME];
const app = names.map((n) => lines.filter((l) => l.bench === 'app' && l.build === n));
const pair = names.map((n) => lines.find((l) => l.bench === 'pair' && l.build === n)?.results ?? {});
const rows = [];
const one = (what, f) => rows.push([what, ...app.map((runs) => f(runs))]);
one('minimal Tauri app, start to window (the machine\u2019s pace; ms, median)', (r) => median(r.map((x) => x.minimalStart)));
one('`groundwork replay` of automerge-paper through the engine into SQLite, wall time (ms, median)', (r) => median(r.map((x) => x.replay)));
one('groundwork, start to interactive list (ms, median)', (r) => median(r.map((x) => x.start)));
one('open the automerge-paper brief until editable and painted, list shown and idle (ms, median)', (r) => median(r.map((x) => x.open)));
const opens = names.map((n) => lines.find((l) => l.bench === 'open' && l.build === n)?.opens ?? []);
if (opens.every((o) => o.length)) rows.push([`same, bench/open-bench.mjs: ${opens[0].length} launches of each build in turns (ms, median)`, ...opens.map((o) => median(o))]);
one('same, clicked the moment the app starts (ms, median)', (r) => median(r.map((x) => x.openCold)));
one('same, until every section is shown (ms, median)', (r) => median(r.map((x) => x.allShown)));
// the web view's clock counts whole milliseconds here, so a p50 of 7 against 8 can be a
// shift of a fraction of one: the mean says how far it moved
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const p of [50, 99]) one(`keystroke to stored, p${p} (ms, every key of every round)`, (r) => pct(r.flatMap((x) => x.acks), p));
one('keystroke to stored, mean (ms, every key of every round)', (r) => mean(r.flatMap((x) => x.acks)));
for (const brief of Object.keys(pair[0])) {
  for (const p of [50, 99]) rows.push([`${brief}: keydown in window A to painted in window B, p${p} (ms)`, ...pair.map((x) => pct(x[brief].painted, p))]);
  rows.push([`${brief}: keydown in window A to painted in window B, mean (ms)`, ...pair.map((x) => mean(x[brief].painted))]);
}

console.log('');
console.log(`Before and after, the builds taking turns (${app[0].length} rounds of bench/app-bench.mjs each; bench/pair-bench.mjs rounds as it printed)`);
console.log('');
console.log(`| figure | ${names.join(' | ')} | after / before |`);
console.log('|---|---|---|---|');
for (const [what, b, a] of rows) console.log(`| ${what} | ${b.toFixed(2)} | ${a.toFixed(2)} | ${(a / b).toFixed(2)} |`);
