// Issue 14 end to end, joining asks a member and removal: two app windows (Ana and Ben, each with
// its own data directory; Ben joined with the share dialog's code and approved by Ana) and a
// third device, Cleo, a headless `groundwork serve`.
//   - Ana makes a single-use code in the People and devices dialog; Cleo joins with it: Ana's
//     dialog shows "Cleo’s device asks to join", Cleo's `groundwork status` says it waits, and
//     Cleo's database holds nothing of the brief; Ana approves, and Cleo gets the brief;
//   - a fourth device joining with the used-up code is refused, in words, and gets nothing; an
//     expired code is refused by `groundwork join`;
//   - Ana removes Cleo's device: the dialog says it keeps what it had; Ana and Ben type on, see
//     each other's words, and none of it reaches Cleo's database.
// Screenshots of the request and the removal land in $E2E_OUT.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { By, Key, caret, cli, clickOn, failed, finish, freePort, instanceEnv, inviteCode, approveJoin, keys, stored, session, startBrief, startDriver, waitSaved, waitScreen } from './harness.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'gw-access-e2e-'));
for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
  process.env[v] = join(tmp, v.toLowerCase());
  mkdirSync(process.env[v], { recursive: true });
}
const shots = resolve(process.env.E2E_OUT ?? 'ui/e2e/screenshots');
mkdirSync(shots, { recursive: true });
let step = 'start';
const log = (m) => console.log(`[access-e2e] ${m}`);
function check(cond, what) {
  if (!cond) throw new Error(`check failed at "${step}": ${what}`);
}

const dirA = join(tmp, 'ana');
const dirB = join(tmp, 'ben');
const dirC = join(tmp, 'cleo');
const dirD = join(tmp, 'dan');
const portA = await freePort();
const envOf = (dir) => ({ ...process.env, GROUNDWORK_DATA_DIR: dir });
const run = (dir, ...args) => execFileSync(cli, args, { env: envOf(dir) }).toString().trim();
const problemIn = (dir, id) => JSON.parse(run(dir, 'show', id, '--format', 'json')).sections.problem ?? '';
const problem = (d) => d.executeScript(`return [...document.querySelectorAll('[data-section-editor="problem"] p')].map((p) => p.textContent).join('\\n');`);
const shot = async (d, name) => writeFileSync(join(shots, name), await d.takeScreenshot(), 'base64');
const roster = (d) => d.executeScript(`return [...document.querySelectorAll('#roster li')].map((li) => ({ device: li.dataset.device, state: li.dataset.state, text: li.innerText.replace(/\\s+/g, ' ') }));`);

let a = null;
let b = null;
const serves = [];
const serve = (dir) => {
  const p = spawn(cli, ['serve', '--listen', '127.0.0.1:0', '--no-mdns', '--peer', `127.0.0.1:${portA}`], { env: envOf(dir), stdio: 'ignore' });
  serves.push(p);
  return p;
};
try {
  step = 'Ana starts and writes the problem; Ben joins and Ana approves him';
  const drvA = await startDriver(instanceEnv(dirA, portA));
  a = await session(drvA.port);
  const id = await startBrief(a, 'Ana Lima', 'Admin onboarding');
  const ed = await a.findElement(By.css('[data-section-editor="problem"]'));
  await ed.click();
  await ed.sendKeys('New admins quit at step 3.');
  await waitSaved(a);
  const code = await inviteCode(a);
  run(dirB, 'identity', '--name', 'Ben Okafor', '--role', 'engineer');
  run(dirB, 'join', code);
  const drvB = await startDriver(instanceEnv(dirB, await freePort(), `127.0.0.1:${portA}`));
  b = await session(drvB.port);
  await waitScreen(b, 'list');
  await b.wait(async () => (await b.executeScript(`const r = document.querySelector('.brief-row[data-id="${id}"]'); return r ? r.innerText : ''`)).includes('Waiting for approval'), 10000, "Ben's list says the brief waits for approval");
  await a.wait(async () => (await a.executeScript(`return document.getElementById('share-button').dataset.asking`)) === '1', 30000, "Ana's Share button says someone asks");
  await approveJoin(a, 'Ben Okafor');
  await clickOn(b, `.brief-row[data-id="${id}"]`);
  await waitScreen(b, 'brief');
  await b.wait(async () => (await problem(b)) === 'New admins quit at step 3.', 30000, 'Ben has the text');

  step = 'Ana makes a single-use code; Cleo joins with it and asks';
  await clickOn(a, '#share-button');
  await a.wait(async () => (await a.findElements(By.id('invite-single'))).length === 1, 15000);
  const before = await a.executeScript(`return document.getElementById('invite-code').value`);
  await clickOn(a, '#invite-single');
  await clickOn(a, '#new-invite');
  await a.wait(async () => (await a.executeScript(`return document.getElementById('invite-code').value`)) !== before, 15000, 'a new code');
  const single = await a.executeScript(`return document.getElementById('invite-code').value`);
  check(single.startsWith('gw2'), `the new code: ${single}`);
  const cleo = /device ([0-9a-f]+)/.exec(run(dirC, 'identity', '--name', 'Cleo Park', '--role', 'designer'))[1];
  run(dirC, 'join', single);
  serve(dirC);
  await a.wait(async () => (await roster(a)).some((r) => r.device === cleo && r.state === 'asking' && r.text.includes('Cleo Park’s device asks to join')), 30000, "Cleo's request in Ana's dialog");
  await shot(a, 'join-request.png');
  const waiting = () => run(dirC, 'status', id);
  await a.wait(async () => waiting().includes('waiting for a member of the brief to approve this device'), 15000, 'Cleo is told she waits');
  check(problemIn(dirC, id) === '', `Cleo's database before approval: ${problemIn(dirC, id)}`);
  await stored(a, () => run(dirA, 'status', id), (t) => t.includes('Cleo Park (designer) asks to join'), 'groundwork status on Ana shows the request');
  log('a device with a valid code asks, and gets nothing until approved');

  step = 'Ana approves Cleo';
  await clickOn(a, `#roster li[data-device="${cleo}"] button.approve`);
  await a.wait(async () => (await roster(a)).some((r) => r.device === cleo && r.state === 'approved'), 10000, 'Cleo approved');
  await a.wait(async () => problemIn(dirC, id) === 'New admins quit at step 3.', 30000, 'Cleo gets the brief once approved');
  log('approved in the app: the third device gets the brief');

  step = 'the used-up code and an expired one are refused';
  run(dirD, 'identity', '--name', 'Dan Reyes', '--role', 'engineer');
  run(dirD, 'join', single);
  serve(dirD);
  await a.wait(async () => run(dirD, 'status', id).includes('refused: the invite code was single-use and another device used it'), 30000, 'Dan is told the code is used up');
  check(problemIn(dirD, id) === '', 'Dan got nothing');
  check(!(await roster(a)).some((r) => r.text.includes('Dan')), 'Dan never asked');
  let refused = '';
  try {
    execFileSync(cli, ['join', 'gw1aaaa'], { env: envOf(dirD), stdio: 'pipe' });
  } catch (e) {
    refused = e.stderr.toString();
  }
  check(refused.includes('earlier version of Groundwork'), `an old code: ${refused}`);
  log('a used-up code is refused in words; so is a code of the old format');

  step = 'Ana removes Cleo';
  await a.executeScript('window.confirm = () => true;');
  await clickOn(a, `#roster li[data-device="${cleo}"] button.remove`);
  await a.wait(async () => (await roster(a)).some((r) => r.device === cleo && r.state === 'removed' && r.text.includes('keeps what it had before')), 10000, 'Cleo shown as removed');
  await shot(a, 'device-removed.png');
  await a.wait(async () => run(dirB, 'status', id).includes('removed: Cleo Park'), 15000, "Ben's device has the removal");

  step = 'Ana and Ben type on; nothing reaches Cleo';
  await keys(a, Key.ESCAPE);
  check(await caret(a, 'step 3.', 'step 3.'.length), "Ana's caret at the end");
  await keys(a, ' AFTER-REMOVAL');
  await waitSaved(a);
  await b.wait(async () => (await problem(b)).includes('AFTER-REMOVAL'), 15000, "Ben sees Ana's words");
  check(await caret(b, 'New admins', 0), "Ben's caret at the start");
  await keys(b, 'BEN ');
  await waitSaved(b);
  await a.wait(async () => (await problem(a)).startsWith('BEN '), 15000, "Ana sees Ben's words");
  await stored(a, () => [problemIn(dirA, id), problemIn(dirB, id)], ([x, y]) => x.startsWith('BEN ') && y.includes('AFTER-REMOVAL'), 'both databases have both');
  const c = problemIn(dirC, id);
  check(c === 'New admins quit at step 3.', `Cleo keeps what she had, and nothing after: ${c}`);
  log('removed: the two app windows keep syncing, the removed device gets nothing made after');
  log('all checks passed');
} catch (e) {
  await failed('access-e2e', step, e, [
    ['Ana', a],
    ['Ben', b],
  ], roster);
} finally {
  for (const p of serves) p.kill('SIGTERM');
  await finish([a, b]);
}
