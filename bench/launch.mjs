// Starting an app binary for a benchmark: its METRIC lines on stdout (printed when
// GROUNDWORK_METRICS is set) are collected as they come, and a start that never reaches its
// first figure, or exits first, is retried (counted per name in `hung`). Used by
// app-bench.mjs and library-bench.mjs.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Launchers writing their logs under `tmp`, with `env` as the environment. */
export function launcher(tmp, env) {
  let launches = 0;
  const hung = {};
  /** Starts a binary; resolves metrics as they are printed (METRIC name value unix_ms detail).
   * Its stderr goes to a log file, whose first lines a missing metric's error shows. */
  function launch(bin, extraEnv = {}) {
    // every launch starts on the list, as a first start does: the brief an earlier launch had
    // open is not reopened (src-tauri/src/placement.rs keeps it in window.json)
    const dataDir = extraEnv.GROUNDWORK_DATA_DIR ?? env.GROUNDWORK_DATA_DIR;
    if (dataDir) rmSync(join(dataDir, 'window.json'), { force: true });
    const t0 = Date.now();
    const logPath = join(tmp, `launch-${++launches}.log`);
    const log = openSync(logPath, 'w');
    const child = spawn(bin, [], { env: { GROUNDWORK_LOG: 'info', ...env, ...extraEnv }, stdio: ['ignore', 'pipe', log] });
    closeSync(log);
    const metrics = new Map();
    const waiters = [];
    let exited = null;
    child.once('exit', (code, signal) => {
      exited = signal ?? `status ${code}`;
      for (const w of waiters.splice(0)) w();
    });
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = /^METRIC (\S+) (\S+) (\d+) ?(.*)$/.exec(line);
        if (!m) continue;
        metrics.set(m[1], { value: Number(m[2]), at: Number(m[3]), detail: m[4] });
        for (const w of waiters.splice(0)) w();
      }
    });
    const wait = (name, ms = 60000) =>
      new Promise((res, rej) => {
        const fail = (why) => {
          const tail = readFileSync(logPath, 'utf8').split('\n').slice(0, 12).join('\n');
          rej(new Error(`${bin}: no ${name} metric (${why}); the start of its log (${logPath}):\n${tail}`));
        };
        const timer = setTimeout(() => fail(`none in ${ms} ms`), ms);
        const check = () => {
          if (metrics.has(name)) {
            clearTimeout(timer);
            res(metrics.get(name));
          } else if (exited) {
            clearTimeout(timer);
            fail(`it exited: ${exited}`);
          } else waiters.push(check);
        };
        check();
      });
    const stop = () =>
      new Promise((res) => {
        if (exited) return res();
        child.once('exit', res);
        child.kill('SIGTERM');
      });
    return { child, t0, wait, stop };
  }

  // A start that never gets as far as its first figure within the time (a window that never
  // became interactive) or that exits first (under Xvfb, now and then GTK cannot open the
  // display) is counted, its log shown, and started again, at most three times.
  async function start(name, bin, extraEnv, first = 'list_interactive', ms = 60000) {
    for (let attempt = 0; ; attempt++) {
      const l = launch(bin, extraEnv);
      try {
        return { ...l, first: await l.wait(first, ms) };
      } catch (e) {
        hung[name] = (hung[name] ?? 0) + 1;
        console.error(`[bench] a start of ${name} did not get going: ${e.message}`);
        l.child.kill('SIGKILL');
        if (attempt >= 2) throw e;
      }
    }
  }

  return { launch, start, hung };
}
