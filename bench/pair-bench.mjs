// Keystroke in window A to painted in window B: two app windows (Ana and Ben, each with its own
// data directory and listen address, Ben dialling Ana over loopback) on one brief; Ana types
// KEYS characters at the end of the first paragraph of the problem section, one real key every
// EVERY ms (WebDriver key actions, so each goes through WebKit's input path); for each one, the
// time from its keydown in A to the first animation frame in B after B's editor shows it.
// Both windows run on this machine, so their clocks (performance.timeOrigin + now()) agree.
// Two briefs: a small one, and the automerge-paper brief (259,778 edits of history). Two links:
// Ben dialling Ana directly, and (ROUTES=direct,middle, the default) through a headless
// `groundwork serve` peer in the middle that both reach and that relays between them. Carets
// and presence are on, as in a session: each key also moves Ana's caret in Ben's window.
// Each build in BEFORE_*/AFTER_* is measured the same way in this one run; the figures are
// printed side by side, nothing asserts on time. scripts/bench-before-after.sh runs it.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { By, clickOn, finish, freePort, instanceEnv, session, startDriver, stopDriver, waitForPort, waitScreen } from '../ui/e2e/harness.mjs';
import { pct } from './stats.mjs';
import { firstLine, type, watch } from './keystroke.mjs';

const KEYS = Number(process.env.KEYS ?? 200);
const EVERY = Number(process.env.EVERY ?? 40);
const trace = resolve(process.env.TRACE ?? '../shared/data/automerge-paper.json.gz');
const builds = ['BEFORE', 'AFTER']
  .filter((w) => process.env[`${w}_APP`])
  .map((w) => ({ name: process.env[`${w}_NAME`] ?? w.toLowerCase(), app: resolve(process.env[`${w}_APP`]), cli: resolve(process.env[`${w}_CLI`]) }));
const log = (m) => console.error(`[pair-bench] ${m}`);

/** A build's two data directories, Ana's holding both briefs and Ben having joined them. */
async function prepare(build) {
  const tmp = mkdtempSync(join(tmpdir(), 'gw-pair-'));
  for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
    process.env[v] = join(tmp, v.toLowerCase());
    mkdirSync(process.env[v], { recursive: true });
  }
  const dirA = join(tmp, 'ana');
  const dirB = join(tmp, 'ben');
  const dirM = join(tmp, 'middle');
  const run = (dir, ...args) => execFileSync(build.cli, args, { env: { ...process.env, GROUNDWORK_DATA_DIR: dir } }).toString().trim();
  log(`${build.name}: preparing the briefs (replaying automerge-paper)…`);
  run(dirA, 'identity', '--name', 'Ana Lima', '--role', 'pm');
  run(dirB, 'identity', '--name', 'Ben Okafor', '--role', 'engineer');
  run(dirM, 'identity', '--name', 'Office server', '--role', 'engineer');
  const small = run(dirA, 'new', 'Admin onboarding');
  run(dirA, 'set', small, 'problem', 'New admins quit at step 3.');
  const big = run(dirA, 'replay', trace, '--section', 'problem');
  run(dirA, 'compact', big);
  // a build from before device approval (a5ff09d) has neither `invite --no-ask` nor the
  // roster: its invite admits whoever holds it, and there is no meeting to hold
  const approves = run(dirA, 'invite', '--help').includes('--no-ask');
  for (const id of [small, big]) for (const dir of [dirB, dirM]) run(dir, 'join', run(dirA, 'invite', id, ...(approves ? ['--no-ask'] : [])));
  if (approves) await meet(build, { dirA, dirB, dirM, small, big }, run);
  return { dirA, dirB, dirM, small, big };
}

/** Ben and the middle peer meet Ana once, headless, so each holds the other's approval: a
 * device admits only devices approved in its own copy of the roster (SYNC.md, "Joining"). */
async function meet(build, { dirA, dirB, dirM, small, big }, run) {
  const portA = await freePort();
  const peers = [await serve(build, dirA, portA, '127.0.0.1:9')];
  for (const dir of [dirB, dirM]) peers.push(await serve(build, dir, await freePort(), `127.0.0.1:${portA}`));
  const knows = (dir, id, who) => run(dir, 'status', id).split('\n').some((l) => l.startsWith('devices in the brief:') && l.includes(who));
  for (const id of [small, big])
    for (let t = Date.now(); !(knows(dirB, id, 'Office server') && knows(dirM, id, 'Ben Okafor')); ) {
      if (Date.now() - t > 120000) throw new Error('Ben and the middle peer never learned of each other');
      await new Promise((res) => setTimeout(res, 200));
    }
  for (const p of peers) await new Promise((res) => (p.exitCode !== null ? res() : (p.once('exit', res), p.kill('SIGTERM'))));
}

/** A headless peer on `dir`, listening on `port`, dialling `peer`; resolves once it listens. */
async function serve(build, dir, port, peer) {
  const proc = spawn(build.cli, ['serve', '--no-mdns', '--listen', `127.0.0.1:${port}`, '--peer', peer], { env: { ...process.env, GROUNDWORK_DATA_DIR: dir }, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  return proc;
}

/** One round over `route`: both windows started (Ben dialling Ana, or both reaching a middle
 * peer that dials Ana while Ben dials only it), each brief opened in both, KEYS typed in A. */
async function measure(build, { dirA, dirB, dirM, small, big }, route) {
  const portA = await freePort();
  const drvA = await startDriver(instanceEnv(dirA, portA));
  let middle = null;
  let dialB = `127.0.0.1:${portA}`;
  if (route === 'middle') {
    const portM = await freePort();
    middle = await serve(build, dirM, portM, `127.0.0.1:${portA}`);
    dialB = `127.0.0.1:${portM}`;
  }
  const drvB = await startDriver(instanceEnv(dirB, await freePort(), dialB));
  const a = await session(drvA.port, build.app);
  const b = await session(drvB.port, build.app);
  const out = {};
  try {
    for (const [name, id] of [
      ['small brief', small],
      ['automerge-paper brief', big],
    ]) {
      for (const d of [a, b]) {
        await waitScreen(d, 'list');
        await d.wait(async () => (await d.findElements(By.css(`.brief-row[data-id="${id}"]`))).length === 1, 60000, `the brief is listed`);
        await clickOn(d, `.brief-row[data-id="${id}"]`);
        await waitScreen(d, 'brief');
      }
      const line = await a.wait(async () => await firstLine(a), 30000, 'A shows the problem');
      await b.wait(async () => (await firstLine(b)) === line, 120000, 'B has caught up with A');
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
      const { seen, painted } = await b.executeScript('return window.__pb');
      if (pressed.length !== KEYS) throw new Error(`${build.name}: A saw ${pressed.length} keydowns of ${KEYS}`);
      out[name] = { seen: seen.slice(0, KEYS).map((t, i) => t - pressed[i]), painted: painted.slice(0, KEYS).map((t, i) => t - pressed[i]) };
      log(`${build.name}, ${name}, ${route}: measured`);
      for (const d of [a, b]) await clickOn(d, '#back');
    }
  } finally {
    for (const d of [a, b]) await d.quit();
    for (const drv of [drvA, drvB]) await stopDriver(drv);
    if (middle) await new Promise((res) => (middle.exitCode !== null ? res() : (middle.once('exit', res), middle.kill('SIGTERM'))));
  }
  return out;
}

const ROUNDS = Number(process.env.ROUNDS ?? 2);
/** The builds with their index, in round `r`'s order: as given in even rounds, reversed in odd. */
const turns = (list, r) => {
  const order = [...list.entries()];
  return r % 2 ? order.reverse() : order;
};
const ROUTES = (process.env.ROUTES ?? 'direct,middle').split(',');
const fig = (xs) => `${pct(xs, 50).toFixed(1)} / ${pct(xs, 99).toFixed(1)} / ${Math.max(...xs).toFixed(1)}`;
try {
  // the builds take turns, ROUNDS times, so a slower spell of the machine falls on both; the
  // order flips every round (A B B A …), so neither build is always the one that goes second
  const prepared = [];
  for (const build of builds) prepared.push(await prepare(build));
  const results = builds.map(() => ({}));
  for (let r = 0; r < ROUNDS; r++)
    for (const [i, build] of turns(builds, r)) {
      for (const route of ROUTES) {
        for (const [name, v] of Object.entries(await measure(build, prepared[i], route))) {
          const acc = (results[i][`${name}, ${route === 'middle' ? 'through a middle peer' : 'direct'}`] ??= { seen: [], painted: [] });
          acc.seen.push(...v.seen);
          acc.painted.push(...v.painted);
        }
      }
    }
  if (process.env.FIGURES_OUT)
    for (const [i, build] of builds.entries()) appendFileSync(process.env.FIGURES_OUT, JSON.stringify({ bench: 'pair', build: build.name, results: results[i] }) + '\n');
  console.log('');
  console.log(`Keystroke in window A to painted in window B (ms, p50 / p99 / max; ${ROUNDS} rounds of ${KEYS} keys, one every ${EVERY} ms, the builds taking turns; release builds, Xvfb, loopback)`);
  console.log('');
  console.log(`| figure | ${builds.map((b) => b.name).join(' | ')} |`);
  console.log(`|---|${builds.map(() => '---').join('|')}|`);
  for (const name of Object.keys(results[0])) {
    console.log(`| ${name}: keydown in A to the text in B's editor | ${results.map((r) => fig(r[name].seen)).join(' | ')} |`);
    console.log(`| ${name}: keydown in A to the next frame painted in B | ${results.map((r) => fig(r[name].painted)).join(' | ')} |`);
  }
} catch (e) {
  console.error(`[pair-bench] FAILED: ${e && e.stack ? e.stack : e}`);
  process.exitCode = 1;
} finally {
  await finish([], builds.map((b) => b.app));
}
