// Issue 14 end to end, sync status that never lies: two app windows (Ana and Ben, each with its
// own data directory, Ben joined by an invite code) on one brief, their link through a TCP
// relay this test owns so it can cut it as a flaky network would.
//   - linked, both title bars say up to date; Ana's "People and devices" panel lists Ben's
//     device as connected, shows the invite code, and refuses a bad address in words;
//   - link cut: both say "Offline: your changes are stored on this laptop"; Ana edits two
//     parts (the problem statement and who is affected: two changes), Ben two (the problem
//     statement and the evidence): each title bar and devices panel says the other has not
//     seen 2 of their changes, and `groundwork status` on each data directory says the same;
//   - the brief list shows the brief with a device behind;
//   - link back: both say up to date, and both panels show the other connected with all of
//     the changes; `groundwork status` agrees;
//   - the merge receipt on each lists exactly the section edited on both sides (for review,
//     with who) and the one edited on the far side only; an item jumps to its section;
//     `groundwork status` prints it; dismissed, it is gone (also from `status`);
//   - "Sync beyond this network" (issue 16): Ana adds a relay (the stock Yjs server, started
//     here) after the app says what the server sees; a stock Yjs client reads the brief from
//     the server (Ana's app serves the room); Ben's panel shows the relay, added by Ana.
// Screenshots of the title bar, the panel and the receipt land in $E2E_OUT.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { By, Key, caret, cli, clickOn, failed, finish, freePort, instanceEnv, inviteCode, approveJoin, keys, relay, stored, session, startBrief, startDriver, waitSaved, waitScreen } from './harness.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'gw-status-e2e-'));
for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
  process.env[v] = join(tmp, v.toLowerCase());
  mkdirSync(process.env[v], { recursive: true });
}
const shots = resolve(process.env.E2E_OUT ?? 'ui/e2e/screenshots');
mkdirSync(shots, { recursive: true });
let step = 'start';
const log = (m) => console.log(`[status-e2e] ${m}`);
function check(cond, what) {
  if (!cond) throw new Error(`check failed at "${step}": ${what}`);
}

const dirA = join(tmp, 'ana');
const dirB = join(tmp, 'ben');
const portA = await freePort();
const portRelay = await freePort();
const envA = instanceEnv(dirA, portA);
const envB = instanceEnv(dirB, await freePort(), `127.0.0.1:${portRelay}`);
const status = (dir, id) => execFileSync(cli, ['status', id], { env: { ...process.env, GROUNDWORK_DATA_DIR: dir } }).toString();

/** The title bar's sync line and the devices panel's rows, read in one script call. */
const shows = (d) =>
  d.executeScript(`const b = document.getElementById('sync-status');
    return { line: b ? b.textContent : null, state: b ? b.dataset.state : null,
      rows: [...document.querySelectorAll('#sync-panel li')].map((li) => ({ unseen: li.dataset.unseen, connected: li.dataset.connected, text: li.innerText.replace(/\\s+/g, ' ') })) };`);
const waitLine = (d, what, pred, ms = 20000) => d.wait(async () => pred(await shows(d)), ms, what);
const shot = async (d, name) => writeFileSync(join(shots, name), await d.takeScreenshot(), 'base64');

let a = null;
let b = null;
let yjsServer = null;
const here = dirname(fileURLToPath(import.meta.url));
const link = relay(portA);
try {
  step = 'Ana starts and writes the problem';
  const drvA = await startDriver(envA);
  a = await session(drvA.port);
  const id = await startBrief(a, 'Ana Lima', 'Admin onboarding');
  await (await a.findElement(By.css('[data-section-editor="problem"]'))).click();
  await keys(a, 'New admins quit at step 3.');
  await waitSaved(a);
  await waitLine(a, 'a brief nobody else has says so', (s) => s.state === 'alone');

  step = 'Ben joins over the relay';
  const code = await inviteCode(a);
  const benEnv = { ...process.env, GROUNDWORK_DATA_DIR: dirB };
  execFileSync(cli, ['identity', '--name', 'Ben Okafor', '--role', 'engineer'], { env: benEnv });
  execFileSync(cli, ['join', code], { env: benEnv });
  await link.listen(portRelay);
  const drvB = await startDriver(envB);
  b = await session(drvB.port);
  await waitScreen(b, 'list');
  step = 'Ana approves Ben\'s device';
  await approveJoin(a, 'Ben Okafor');
  await b.wait(async () => (await b.findElements(By.css(`.brief-row[data-id="${id}"]`))).length === 1, 30000, 'the brief reached Ben');
  await clickOn(b, `.brief-row[data-id="${id}"]`);
  await waitScreen(b, 'brief');
  for (const [who, d] of [
    ['Ana', a],
    ['Ben', b],
  ])
    await waitLine(d, `${who}: up to date while linked`, (s) => s.state === 'synced' && s.line === 'Up to date · 1 device connected');
  log('linked: both up to date');

  step = "Ana's People and devices panel";
  await clickOn(a, '#share-button');
  await a.wait(async () => (await a.executeScript(`return [...document.querySelectorAll('#known-devices li')].some((li) => li.dataset.connected === 'true' && li.innerText.includes('Ben Okafor (engineer)'))`)), 10000, 'Ben listed as connected');
  check((await a.executeScript(`return document.getElementById('invite-code').value`)).startsWith('gw2'), 'the invite code is shown');
  await a.findElement(By.id('peer-address')).sendKeys('not an address');
  await clickOn(a, '#add-peer-submit');
  await a.wait(async () => (await a.executeScript(`const e = document.getElementById('peer-error'); return e && !e.hidden ? e.textContent : ''`)).includes('is not an address'), 15000, 'a bad address is refused in words');
  await shot(a, 'people-and-devices.png');
  await keys(a, Key.ESCAPE);
  log('People and devices: Ben connected, the code, a bad address refused');

  step = 'the link is cut; both edit';
  await link.cut();
  for (const [who, d] of [
    ['Ana', a],
    ['Ben', b],
  ])
    await waitLine(d, `${who}: offline`, (s) => s.state === 'offline' && s.line.startsWith('Offline: your changes are stored on this laptop'));
  check(await caret(a, 'step 3.', 'step 3.'.length), "Ana's caret at the end of the problem");
  await keys(a, ' ANA-WHILE-APART');
  await waitSaved(a);
  check(await a.executeScript(`window.__gw.session.jumpTo('affected'); return !!window.__gw.session.editors.get('affected');`), 'the affected section has an editor');
  await a.executeScript(`window.__gw.session.editors.get('affected').commands.focus('end');`);
  await keys(a, 'New workspace admins');
  await waitSaved(a);
  check(await caret(b, 'New admins', 0), "Ben's caret at the start of the problem");
  await keys(b, 'BEN-WHILE-APART ');
  await waitSaved(b);
  check(await b.executeScript(`window.__gw.session.jumpTo('evidence'); return !!window.__gw.session.editors.get('evidence');`), 'the evidence section has an editor');
  await b.executeScript(`window.__gw.session.editors.get('evidence').commands.focus('end');`);
  await keys(b, 'Forty tickets a week');
  await waitSaved(b);
  await waitLine(a, 'Ana: Ben has not seen 2 of her changes', (s) => s.line === 'Offline: your changes are stored on this laptop · Ben Okafor (engineer) has not seen 2 of your changes');
  await waitLine(b, 'Ben: Ana has not seen 2 of his changes', (s) => s.line === 'Offline: your changes are stored on this laptop · Ana Lima (pm) has not seen 2 of your changes');
  await clickOn(a, '#sync-status');
  await waitLine(a, "Ana's panel lists Ben", (s) => s.rows.length === 1 && s.rows[0].unseen === '2' && s.rows[0].connected === 'false');
  const row = (await shows(a)).rows[0].text;
  check(row.includes('Ben Okafor (engineer)') && row.includes('last seen') && row.includes('has not seen 2 of your changes'), `Ana's panel row: ${row}`);
  await shot(a, 'status-apart.png');
  await stored(a, () => status(dirA, id), (t) => t.includes('Ben Okafor (engineer): has not seen 2 of your changes'), "groundwork status on Ana's data");
  await stored(a, () => status(dirB, id), (t) => t.includes('Ana Lima (pm): has not seen 2 of your changes'), "groundwork status on Ben's data");
  log('apart: each says how many of its changes the other has not seen, as groundwork status does');

  step = "Ben's brief list shows a device behind";
  await clickOn(b, '#back');
  await waitScreen(b, 'list');
  await b.wait(async () => (await b.executeScript(`const r = document.querySelector('.brief-row[data-id="${id}"]'); return r ? r.innerText : ''`)).includes('1 device behind'), 10000, 'the list badge');
  await clickOn(b, `.brief-row[data-id="${id}"]`);
  await waitScreen(b, 'brief');

  step = 'the link comes back';
  await link.listen(portRelay);
  for (const [who, d] of [
    ['Ana', a],
    ['Ben', b],
  ])
    await waitLine(d, `${who}: up to date again`, (s) => s.state === 'synced' && s.line === 'Up to date · 1 device connected', 30000);
  await waitLine(a, "Ana's panel: Ben connected with everything", (s) => s.rows.length === 1 && s.rows[0].unseen === '0' && s.rows[0].connected === 'true');
  await shot(a, 'status-synced.png');
  await stored(a, () => status(dirA, id), (t) => t.includes('Ben Okafor (engineer): has all of your changes'), "groundwork status on Ana's data");
  await stored(a, () => status(dirB, id), (t) => t.includes('Ana Lima (pm): has all of your changes'), "groundwork status on Ben's data");
  log('reconnected: both up to date, as groundwork status says');

  step = 'the merge receipt lists what merged';
  const receipt = (d) =>
    d.executeScript(`const r = document.getElementById('merge-receipt');
      return r && !r.hidden ? [...r.querySelectorAll('li')].map((li) => ({ part: li.dataset.part, both: li.dataset.both, text: li.innerText })) : null;`);
  const want = {
    Ana: [{ part: 'problem', both: 'true', by: 'Ben Okafor (engineer)' }, { part: 'evidence', both: 'false', by: 'Ben Okafor (engineer)' }],
    Ben: [{ part: 'problem', both: 'true', by: 'Ana Lima (pm)' }, { part: 'affected', both: 'false', by: 'Ana Lima (pm)' }],
  };
  for (const [who, d] of [
    ['Ana', a],
    ['Ben', b],
  ]) {
    await d.wait(async () => (await receipt(d)) !== null, 10000, `${who}: the receipt shows`);
    const items = await receipt(d);
    check(items.length === 2, `${who}'s receipt has exactly two items: ${JSON.stringify(items)}`);
    for (const [i, w] of want[who].entries())
      check(items[i].part === w.part && items[i].both === w.both && items[i].text.includes(w.by) && (w.both === 'true') === items[i].text.includes('review'), `${who}'s receipt item ${i}: ${JSON.stringify(items[i])}`);
  }
  await shot(a, 'merge-receipt.png');
  await stored(a, () => status(dirB, id), (t) => t.includes('merged after being apart') && t.includes('Problem statement: changed by Ana Lima (pm) and here while apart — review') && t.includes('Who is affected: changed by Ana Lima (pm)'), "groundwork status prints Ben's receipt");
  await clickOn(a, '#merge-receipt li[data-part="evidence"] button');
  await a.wait(async () => a.executeScript(`return document.activeElement?.closest('[data-section-editor]')?.dataset.sectionEditor === 'evidence'`), 10000, 'the item jumped to the evidence section');
  await clickOn(a, '#dismiss-receipt');
  await a.wait(async () => (await receipt(a)) === null, 15000, 'dismissed');
  const polls = async () => Number(await a.executeScript(`return document.getElementById('sync-status').dataset.polls`));
  const after = (await polls()) + 2;
  await a.wait(async () => (await polls()) >= after, 10000, 'two more status answers');
  check((await receipt(a)) === null, 'the receipt stays dismissed');
  await stored(a, () => status(dirA, id), (t) => !t.includes('merged after being apart'), 'groundwork status after dismissing');
  log('merge receipt: the section edited on both sides and the far side only, on both; jumps; dismissed');

  step = 'Ana relays the brief through a stock Yjs server (Sync beyond this network)';
  const yjsDir = resolve(here, '../../bench/yjs');
  const yjsPort = await freePort();
  yjsServer = spawn(process.execPath, [join(yjsDir, 'node_modules/@y/websocket-server/src/server.js')], { env: { ...process.env, HOST: '127.0.0.1', PORT: String(yjsPort) }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((ok) => yjsServer.stdout.once('data', ok));
  const relayUrl = `ws://127.0.0.1:${yjsPort}/${id}`;
  await clickOn(a, '#share-button');
  // the dialog shows once its invite code came back (CI saw the scroll run before it)
  await a.wait(() => a.executeScript("return document.getElementById('relay-section') !== null"), 10000, 'the sharing dialog with its relay section');
  await a.executeScript("document.getElementById('relay-section').scrollIntoView({ block: 'center' })");
  await a.findElement(By.id('relay-url')).sendKeys(relayUrl);
  await clickOn(a, '#add-relay-submit');
  const warning = await a.wait(() => a.executeScript(`const c = document.getElementById('relay-confirm'); return c && !c.hidden ? c.innerText : null`), 15000, 'the app says what the server sees, and asks');
  check(warning.includes('whole text') && warning.includes('Every member'), `the warning: ${warning}`);
  await shot(a, 'relay-confirm.png');
  await clickOn(a, '#relay-confirm-yes');
  const relayRow = (d) => d.executeScript(`const li = document.querySelector('#relays li[data-relay]'); return li ? { used: li.dataset.used, text: li.innerText } : null`);
  const mine = await a.wait(async () => (await relayRow(a))?.used === 'true' ? relayRow(a) : null, 10000, "the relay is listed as used by Ana's laptop");
  check(mine.text.includes('added by Ana Lima (pm)'), `Ana's relay row: ${JSON.stringify(mine)}`);
  // the app's own peer connected: a stock Yjs client in the room reads the brief from the server
  // (it waits until the room holds Ana's words: her app connects within seconds of the add)
  const read = execFileSync(process.execPath, [join(yjsDir, 'stock-client.mjs'), `ws://127.0.0.1:${yjsPort}`, id, '', 'quit at step'], { encoding: 'utf8' });
  const seen = JSON.parse(read.trim().split('\n').pop());
  check(seen.title === 'Admin onboarding' && seen.problem.includes('quit at step'), `the stock client reads the brief through the server: ${read}`);
  await keys(a, Key.ESCAPE);
  // Ben is shown that the brief is relayed, by whom (the record travels in the brief)
  await clickOn(b, '#share-button');
  const theirs = await b.wait(async () => {
    const r = await relayRow(b);
    return r && r.text.includes('added by Ana Lima (pm)') ? r : null;
  }, 15000, "Ben's panel shows the relay Ana added");
  check(theirs.used === 'false', `not used by Ben's laptop: ${JSON.stringify(theirs)}`);
  await shot(b, 'relay-listed.png');
  await keys(b, Key.ESCAPE);
  log("relay added in the app after a warning; the app's peer serves the room; Ben is shown it");
  log('all checks passed');
} catch (e) {
  await failed('status-e2e', step, e, [
    ['Ana', a],
    ['Ben', b],
  ], shows);
} finally {
  yjsServer?.kill();
  await finish([a, b]);
}
