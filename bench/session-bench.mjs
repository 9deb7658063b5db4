// A joint session of eight: two app windows (Ana and Ben, Ben dialling Ana over loopback) and
// six headless `groundwork serve` peers, each dialling Ana and typing TYPE_RATE characters a
// second into the brief's evidence section (`serve --type-into`: every character is an edit
// stored and relayed as an app edit is), all in one brief for SECS seconds. Meanwhile Ana
// types KEYS real keys, one every EVERY ms, into the problem statement; for each, the time from
// its keydown in A to the next frame painted in B after B's editor shows it. Over the same
// window: the CPU each headless peer used (share of one core) and how the memory of every
// process grew (resident set; an app counts with its WebKit processes). Printed next to the
// targets of issue 14; nothing asserts on time. scripts/bench-session.sh runs it on release
// builds.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { app, By, cli, clickOn, finish, freePort, instanceEnv, session, startDriver, waitForPort, waitScreen } from '../ui/e2e/harness.mjs';
import { firstLine, type, watch } from './keystroke.mjs';
import { pct } from './stats.mjs';

const KEYS = Number(process.env.KEYS ?? 300);
const EVERY = Number(process.env.EVERY ?? 100);
const SECS = Number(process.env.SECS ?? 60);
const HEADLESS = Number(process.env.HEADLESS ?? 6);
const TYPE_RATE = Number(process.env.TYPE_RATE ?? 5);
const log = (m) => console.error(`[session-bench] ${m}`);

const tmp = mkdtempSync(join(tmpdir(), 'gw-session8-'));
for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
  process.env[v] = join(tmp, v.toLowerCase());
  mkdirSync(process.env[v], { recursive: true });
}
const run = (dir, ...args) => execFileSync(cli, args, { env: { ...process.env, GROUNDWORK_DATA_DIR: dir } }).toString().trim();

// ---- /proc: CPU ticks and resident memory of a process and its descendants -----------------
const TICK = 100; // USER_HZ
const stat = (pid) => {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
};
const rssKib = (pid) => {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
};
const descendants = (root) => {
  const all = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number);
  const parent = new Map(all.map((p) => [p, stat(p)?.ppid]));
  const out = [root];
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (!out.includes(p) && out.includes(parent.get(p))) (out.push(p), (grew = true));
  }
  return out;
};
const sample = (pid) => {
  const tree = descendants(pid);
  return { ticks: tree.reduce((a, p) => a + (stat(p)?.ticks ?? 0), 0), rss: tree.reduce((a, p) => a + rssKib(p), 0), at: performance.now() };
};
/** The app process whose data directory is `dir`. */
const appPid = (dir) => {
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (!cmd.startsWith(app)) continue;
      if (readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`GROUNDWORK_DATA_DIR=${dir}`)) return Number(p);
    } catch {
      /* gone */
    }
  }
  throw new Error(`no app process for ${dir}`);
};

const procs = [];
let a = null;
let b = null;
try {
  log('preparing the brief and eight devices…');
  const dirA = join(tmp, 'ana');
  const dirB = join(tmp, 'ben');
  const dirs = Array.from({ length: HEADLESS }, (_, i) => join(tmp, `peer${i + 1}`));
  run(dirA, 'identity', '--name', 'Ana Lima', '--role', 'pm');
  run(dirB, 'identity', '--name', 'Ben Okafor', '--role', 'engineer');
  dirs.forEach((d, i) => run(d, 'identity', '--name', `Headless ${i + 1}`, '--role', 'designer'));
  const id = run(dirA, 'new', 'Joint shaping session');
  run(dirA, 'set', id, 'problem', 'New admins quit at step 3.');
  run(dirA, 'set', id, 'evidence', 'Typed by six peers:');
  for (const d of [dirB, ...dirs]) run(d, 'join', run(dirA, 'invite', id, '--no-ask'));

  const portA = await freePort();
  const drvA = await startDriver(instanceEnv(dirA, portA));
  a = await session(drvA.port);
  for (const d of dirs) {
    const port = await freePort();
    const p = spawn(cli, ['serve', '--no-mdns', '--listen', `127.0.0.1:${port}`, '--peer', `127.0.0.1:${portA}`, '--type-into', id, '--type-rate', String(TYPE_RATE)], {
      env: { ...process.env, GROUNDWORK_DATA_DIR: d },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    procs.push(p);
    await waitForPort(port);
  }
  const drvB = await startDriver(instanceEnv(dirB, await freePort(), `127.0.0.1:${portA}`));
  b = await session(drvB.port);
  for (const d of [a, b]) {
    await waitScreen(d, 'list');
    await d.wait(async () => (await d.findElements(By.css(`.brief-row[data-id="${id}"]`))).length === 1, 60000, 'the brief is listed');
    await clickOn(d, `.brief-row[data-id="${id}"]`);
    await waitScreen(d, 'brief');
  }
  const line = await a.wait(async () => await firstLine(a), 30000, 'A shows the problem');
  await b.wait(async () => (await firstLine(b)) === line, 60000, 'B has caught up with A');
  const evidence = (d) => d.executeScript(`return document.querySelector('[data-section-editor="evidence"], #section-evidence')?.textContent ?? ''`);
  await b.wait(async () => (await evidence(b)).length > 'Typed by six peers:'.length + 10, 30000, 'the headless peers are typing');

  const watched = [
    ['Ana (app)', appPid(dirA)],
    ['Ben (app)', appPid(dirB)],
    ...procs.map((p, i) => [`headless ${i + 1}`, p.pid]),
  ];
  const before = watched.map(([, pid]) => sample(pid));
  const started = performance.now();
  log(`measuring for ${SECS} s: ${KEYS} keys in A, one every ${EVERY} ms, ${HEADLESS} peers typing ${TYPE_RATE}/s`);
  await b.executeScript(watch);
  await a.executeScript(type);
  const act = a.actions({ async: true });
  for (let i = 0; i < KEYS; i++) {
    const c = String.fromCharCode(97 + (i % 26));
    act.keyDown(c).keyUp(c).pause(EVERY);
  }
  await act.perform();
  await b.wait(async () => (await b.executeScript('return window.__pb.painted.length')) >= KEYS, 60000, `B painted all ${KEYS} keys`);
  const pressed = await a.executeScript('return window.__pa');
  const { painted } = await b.executeScript('return window.__pb');
  if (pressed.length !== KEYS) throw new Error(`A saw ${pressed.length} keydowns of ${KEYS}`);
  const lat = painted.slice(0, KEYS).map((t, i) => t - pressed[i]);
  // the measuring window is wall time: the load runs for SECS whatever the keys took
  const left = SECS * 1000 - (performance.now() - started);
  if (left > 0) await new Promise((r) => setTimeout(r, left));
  const after = watched.map(([, pid]) => sample(pid));
  const typed = (await evidence(b)).length;

  const f = (x) => x.toFixed(1);
  console.log('');
  console.log(`Joint session of eight (2 app windows + ${HEADLESS} headless peers typing ${TYPE_RATE}/s each, one brief, ${SECS} s; release builds, Xvfb, loopback, 2 cores)`);
  console.log('');
  console.log('| figure | measured | issue 14 target |');
  console.log('|---|---|---|');
  console.log(`| keydown in A to the next frame painted in B, p50 / p99 / max (ms, ${KEYS} keys at ${1000 / EVERY}/s) | ${f(pct(lat, 50))} / ${f(pct(lat, 99))} / ${f(Math.max(...lat))} | p99 ≤ 100 |`);
  for (const [i, [name]] of watched.entries()) {
    const cpu = ((after[i].ticks - before[i].ticks) / TICK / ((after[i].at - before[i].at) / 1000)) * 100;
    const grew = (after[i].rss - before[i].rss) / 1024;
    const headless = name.startsWith('headless');
    console.log(`| ${name}: CPU (% of one core) / memory growth over the window (MB) | ${f(cpu)} / ${f(grew)} (${f(after[i].rss / 1024)} MB resident) | ${headless ? 'CPU ≤ 5' : '—'} / ≤ 10 |`);
  }
  console.log(`| characters in B's evidence section at the end (all peers' typing arrived) | ${typed} | — |`);
} catch (e) {
  console.error(`[session-bench] FAILED: ${e && e.stack ? e.stack : e}`);
  process.exitCode = 1;
} finally {
  for (const p of procs) p.kill('SIGTERM');
  await finish([a, b]);
}
