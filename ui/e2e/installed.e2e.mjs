// The installed package's app starts (run by scripts/package-test.sh after `apt install` of the
// .deb): the installed CLI (GROUNDWORK_CLI=/usr/bin/groundwork) makes an identity and a brief in
// a fresh data directory, then the installed app (GROUNDWORK_APP=/usr/bin/groundwork-app) opens on
// that directory under Xvfb and lists the brief, opens it and shows its problem statement. A
// screenshot of the list lands in $E2E_OUT as installed-list.png.
import { app, cli, finish, screen, session, startDriver, text, waitScreen } from './harness.mjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const tmp = mkdtempSync(join(tmpdir(), 'gw-installed-'));
for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
  process.env[v] = join(tmp, v.toLowerCase());
  mkdirSync(process.env[v], { recursive: true });
}
Object.assign(process.env, { GROUNDWORK_DATA_DIR: join(tmp, 'data'), GROUNDWORK_NO_MDNS: '1', GROUNDWORK_LISTEN: '127.0.0.1:0' });
const shots = resolve(process.env.E2E_OUT ?? 'ui/e2e/screenshots');
mkdirSync(shots, { recursive: true });
const log = (m) => console.log(`[installed-e2e] ${m}`);
const run = (...args) => execFileSync(cli, args, { env: process.env, encoding: 'utf8' }).trim();

let step = 'start';
let d;
try {
  step = 'the installed CLI makes a brief';
  run('identity', '--name', 'Ana Lima', '--role', 'pm');
  const id = run('new', 'Installed from the package');
  run('set', id, 'problem', 'New admins quit at step 3.');

  step = 'the installed app starts';
  const drv = await startDriver();
  d = await session(drv.port, app);
  await waitScreen(d, 'list');
  await d.wait(async () => ((await text(d, `.brief-row[data-id="${id}"]`)) ?? '').includes('Installed from the package'), 10000, 'the brief is listed');
  writeFileSync(join(shots, 'installed-list.png'), await d.takeScreenshot(), 'base64');
  log(`the installed app lists the brief the installed CLI made (${app})`);

  step = 'the installed app opens the brief';
  await d.executeScript(`document.querySelector('.brief-row[data-id="${id}"]').click()`);
  await waitScreen(d, 'brief');
  await d.wait(async () => ((await text(d, '[data-section-editor="problem"]')) ?? '').includes('New admins quit at step 3.'), 10000, 'the problem statement is shown');
  log('all checks passed');
} catch (e) {
  console.error(`[installed-e2e] FAILED at "${step}": ${e && e.stack ? e.stack : e}`);
  try {
    if (d) console.error(`[installed-e2e] the window shows: ${await screen(d)}`);
  } catch {
    /* the window may be gone */
  }
  process.exitCode = 1;
} finally {
  await finish([d]);
}
