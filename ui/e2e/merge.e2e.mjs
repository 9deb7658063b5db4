// Issue 12 end to end: two app windows (Ana and Ben, each with its own data directory) on one
// brief, their link through a TCP relay this test owns, so it can cut the link as a flaky
// network would. In each case, with the link down, Ana types at the end of a paragraph while
// Ben restyles or splits it — a heading (Ctrl+Alt+1), a bullet list (Ctrl+Shift+8), Enter in
// the middle, Backspace at its start (a join) — then the link comes back. Ana's words must be
// on both screens, once, in the paragraph her intent implies, and in both databases. Last,
// Ana composes a word through an input method's events while Ben types into that paragraph.
// The caret is placed by script (the editor's own selection command); every key is a real key.
import { By, Key } from 'selenium-webdriver';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caret, cli, clickOn, failed, finish, freePort, instanceEnv, inviteCode, approveJoin, keys, relay, session, startBrief, startDriver, waitSaved, waitScreen } from './harness.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'gw-merge-e2e-'));
for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
  process.env[v] = join(tmp, v.toLowerCase());
  mkdirSync(process.env[v], { recursive: true });
}
let step = 'start';
const log = (m) => console.log(`[merge-e2e] ${m}`);
function check(cond, what) {
  if (!cond) throw new Error(`check failed at "${step}": ${what}`);
}

const dirA = join(tmp, 'ana');
const dirB = join(tmp, 'ben');
const portA = await freePort();
const portRelay = await freePort();
const envA = instanceEnv(dirA, portA);
const envB = instanceEnv(dirB, await freePort(), `127.0.0.1:${portRelay}`);
const show = (dir, id) => JSON.parse(execFileSync(cli, ['show', id, '--format', 'json'], { env: { ...process.env, GROUNDWORK_DATA_DIR: dir } }).toString());

/** The problem section's blocks as the screen shows them: tag and text. */
const blocks = (d) =>
  d.executeScript(
    `return [...document.querySelectorAll('[data-section-editor="problem"] :is(p, h1, h2, h3, li > p)')].filter((e) => !e.closest('li') || e.matches('li > p')).map((e) => (e.closest('li') ? 'li' : e.nodeName.toLowerCase()) + ':' + e.textContent);`,
  );

const waitFor = (d, what, pred, ms = 30000) => d.wait(async () => pred(await blocks(d)), ms, what);

let a = null;
let b = null;
const link = relay(portA);
try {
  step = 'Ana starts and writes the problem';
  const drvA = await startDriver(envA);
  a = await session(drvA.port);
  const id = await startBrief(a, 'Ana Lima', 'Admin onboarding');
  const cases = ['Heading', 'List', 'Enter', 'Join'];
  const sentence = (c) => (c === 'Join' ? `${c}: New admins quit.` : `${c}: New admins quit at step 3.`);
  const ed = await a.findElement(By.css('[data-section-editor="problem"]'));
  await ed.click();
  const lines = cases.flatMap((c) => (c === 'Join' ? [sentence(c), 'At step 3.'] : [sentence(c)]));
  for (const [i, l] of lines.entries()) {
    if (i > 0) await keys(a, Key.ENTER);
    await ed.sendKeys(l);
  }
  await waitSaved(a);

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
  await waitFor(b, 'Ben sees every line', (bl) => bl.length === lines.length && bl.every((x, i) => x === 'p:' + lines[i]));

  for (const c of cases) {
    step = `${c}: the link is cut`;
    await link.cut();
    step = `${c}: Ana types at the end of the paragraph, Ben changes it meanwhile`;
    const target = c === 'Join' ? 'At step 3.' : sentence(c);
    check(await caret(a, target, target.length), 'caret at the end');
    await keys(a, ` TYPED-BY-ANA-${c}`);
    await waitSaved(a);
    if (c === 'Heading') {
      check(await caret(b, target, 3), 'caret in the paragraph');
      await keys(b, Key.CONTROL, Key.ALT, '1');
    } else if (c === 'List') {
      check(await caret(b, target, 3), 'caret in the paragraph');
      await keys(b, Key.CONTROL, Key.SHIFT, '8');
    } else if (c === 'Enter') {
      check(await caret(b, target, `${c}: New admins `.length), 'caret after "New admins "');
      await keys(b, Key.ENTER);
    } else {
      check(await caret(b, 'At step 3.', 0), 'caret at the start of the second paragraph');
      await keys(b, Key.BACK_SPACE);
    }
    await waitSaved(b);
    step = `${c}: the link comes back`;
    await link.listen(portRelay);
    const typed = `TYPED-BY-ANA-${c}`;
    const want = {
      Heading: (bl) => bl.includes(`h1:${sentence(c)} ${typed}`),
      List: (bl) => bl.includes(`li:${sentence(c)} ${typed}`),
      Enter: (bl) => bl.includes(`p:${c}: New admins `) && bl.includes(`p:quit at step 3. ${typed}`),
      Join: (bl) => bl.includes(`p:${sentence(c)}At step 3. ${typed}`),
    }[c];
    for (const [who, d] of [
      ['Ana', a],
      ['Ben', b],
    ]) {
      await waitFor(d, `${who}'s screen has Ana's words where she typed them`, want);
      const bl = await blocks(d);
      check(bl.join('\n').split(typed).length === 2, `${who}: once: ${JSON.stringify(bl)}`);
    }
    for (const [who, dir] of [
      ['Ana', dirA],
      ['Ben', dirB],
    ]) {
      const stored = show(dir, id).sections.problem;
      check(stored.split(typed).length === 2, `${who}'s database holds Ana's words once: ${JSON.stringify(stored)}`);
      if (c === 'Enter') check(stored.includes(`quit at step 3. ${typed}`), `${who}'s database: in the second half: ${JSON.stringify(stored)}`);
    }
    log(`${c}: Ana's words kept, in place, on both screens and in both databases`);
  }

  // IME input: WebDriver has no input method, so the window gets what one sends (composition
  // events around changes to the text node the caret is in, as WebKit's own IME path does);
  // ProseMirror reads the DOM change and the binding writes it. Ben types into the same
  // paragraph while Ana is still composing.
  step = 'IME: Ana composes 日本語 while Ben types into the same paragraph';
  const imeLine = 'Heading: New admins';
  check(await caret(a, imeLine, imeLine.length), 'caret after "New admins"');
  check(await caret(b, imeLine, 0), "Ben's caret at the start of the paragraph");
  const composing = a.executeAsyncScript(`const done = arguments[arguments.length - 1];
    const view = window.__gw.session.editors.get('problem').view;
    const pause = () => new Promise((r) => setTimeout(r, 40)); // an IME's pace, not a wait for state
    const { node, offset } = view.domAtPos(view.state.selection.from);
    const put = (at) => { const s = getSelection(); s.collapse(node, at); };
    const fire = (type, data) => view.dom.dispatchEvent(type.startsWith('composition') ? new CompositionEvent(type, { data, bubbles: true }) : new InputEvent(type, { data, inputType: 'insertCompositionText', isComposing: true, bubbles: true }));
    (async () => {
      fire('compositionstart', '');
      let shown = '';
      for (const step of ['に', 'にほ', 'にほん', 'にほんご', '日本語']) {
        fire('compositionupdate', step);
        node.replaceData(offset, shown.length, step);
        shown = step;
        put(offset + shown.length);
        fire('input', step);
        await pause();
      }
      fire('compositionend', shown);
      done(true);
    })();`);
  await keys(b, 'BEN-');
  await composing;
  await waitSaved(a);
  await waitSaved(b);
  const imeDone = `BEN-${imeLine}日本語 quit at step 3. TYPED-BY-ANA-Heading`;
  const imeWant = (bl) => bl.includes(`h1:${imeDone}`);
  for (const [who, d] of [
    ['Ana', a],
    ['Ben', b],
  ]) {
    await waitFor(d, `${who}'s screen has the composed word once, and Ben's`, imeWant);
    check((await blocks(d)).join('\n').split('日本語').length === 2, `${who}: composed text once`);
  }
  for (const [who, dir] of [
    ['Ana', dirA],
    ['Ben', dirB],
  ]) {
    const stored = show(dir, id).sections.problem;
    check(stored.includes(imeDone) && stored.split('日本語').length === 2, `${who}'s database: ${JSON.stringify(stored)}`);
  }
  log('IME: the composed word is on both screens and in both databases, once, with Ben’s typing');
  log('all checks passed');
} catch (e) {
  await failed('merge-e2e', step, e, [
    ['Ana', a],
    ['Ben', b],
  ], blocks);
} finally {
  await finish([a, b]);
}
