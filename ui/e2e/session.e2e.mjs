// Issue 14 end to end, a joint session: two app windows (Ana and Ben, each with its own data
// directory, Ben joined by an invite code and dialling Ana over loopback) in one brief.
//   - Ben's caret shows in Ana's window with his name and role, in his colour, in the right
//     section and at the right character (the caret element's position checked against the
//     text, in the document and on screen), and follows his typing;
//   - both type into the same paragraph at the same time, keys interleaved: the same text on
//     both screens and in both databases, every key once;
//   - Ana types, Ben types in the same paragraph, Ana presses Ctrl+Z: only her words go, on
//     both screens;
//   - who wrote what (issue 15, point 2): Ana turns on "Authors": Ben's words and hers are
//     coloured apart, name and role on hover, and `groundwork blame` on Ben's data agrees;
//   - versions (issue 15, point 3): Ana saves one, Ben rewrites the problem, Ana compares it
//     with now and restores the section, which Ben receives; her sign-off makes a version;
//   - Ben closes the brief: his caret leaves Ana's window;
//   - since you last looked (issue 15, point 4): Ana changes two sections while Ben is away;
//     Ben opens the brief: exactly those two are marked as changed by Ana, "Show changes" has
//     her words, "Mark as seen" clears it (and `groundwork changes` agrees); before he opens
//     it, his brief list says "2 sections changed since you last looked";
//   - comments (issue 15, point 1): Ana comments on words, Ben types before, inside and after
//     them: both screens show the thread on the same words, highlighted, and its card in the
//     margin level with them (a click on it opens the thread); Ben replies and resolves, Ana
//     sees it; Ana deletes the words: the thread stays, on deleted text.
// Screenshots of the carets land in $E2E_OUT.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { By, Key, caret, cli, clickOn, failed, finish, freePort, instanceEnv, inviteCode, approveJoin, keys, session, startBrief, startDriver, waitSaved, waitScreen } from './harness.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'gw-session-e2e-'));
for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
  process.env[v] = join(tmp, v.toLowerCase());
  mkdirSync(process.env[v], { recursive: true });
}
const shots = resolve(process.env.E2E_OUT ?? 'ui/e2e/screenshots');
mkdirSync(shots, { recursive: true });
let step = 'start';
const log = (m) => console.log(`[session-e2e] ${m}`);
function check(cond, what) {
  if (!cond) throw new Error(`check failed at "${step}": ${what}`);
}

const dirA = join(tmp, 'ana');
const dirB = join(tmp, 'ben');
const portA = await freePort();
const show = (dir, id) => JSON.parse(execFileSync(cli, ['show', id, '--format', 'json'], { env: { ...process.env, GROUNDWORK_DATA_DIR: dir } }).toString());
const problem = (d) => d.executeScript(`return [...document.querySelectorAll('[data-section-editor="problem"] p')].map((p) => p.textContent);`);

/** Where `device`'s caret is drawn in `section`: its editor position, the position of the
 * character `needle` starts at, and how far apart on screen the caret bar and that character
 * are (px); its label and colour. Null when there is no such caret. */
const caretOf = (d, device, needle, section = 'problem') =>
  d.executeScript(
    `const ed = window.__gw.session.editors.get(arguments[2]);
     const el = ed.view.dom.querySelector('.gw-caret[data-device="' + arguments[0] + '"]');
     if (!el) return null;
     let want = -1;
     ed.state.doc.descendants((n, p) => { if (want < 0 && n.isText) { const i = n.text.indexOf(arguments[1]); if (i >= 0) want = p + i; } });
     const at = ed.view.coordsAtPos(want, 1);
     const bar = el.getBoundingClientRect();
     return { pos: ed.view.posAtDOM(el, 0), want, dx: Math.abs(bar.left - at.left), dy: Math.abs(bar.top - at.top), label: el.dataset.label, colour: getComputedStyle(el).borderLeftColor, carets: document.querySelectorAll('.gw-caret').length };`,
    device,
    needle,
    section,
  );

let a = null;
let b = null;
try {
  step = 'Ana starts and writes the problem';
  const drvA = await startDriver(instanceEnv(dirA, portA));
  a = await session(drvA.port);
  const id = await startBrief(a, 'Ana Lima', 'Admin onboarding');
  const ed = await a.findElement(By.css('[data-section-editor="problem"]'));
  await ed.click();
  await ed.sendKeys('New admins quit at step 3.');
  await keys(a, Key.ENTER);
  await ed.sendKeys('Half never return.');
  await waitSaved(a);

  step = 'Ben joins with the invite code';
  const code = await inviteCode(a);
  const benEnv = { ...process.env, GROUNDWORK_DATA_DIR: dirB };
  const benDevice = /device ([0-9a-f]+)/.exec(execFileSync(cli, ['identity', '--name', 'Ben Okafor', '--role', 'engineer'], { env: benEnv }).toString())[1];
  execFileSync(cli, ['join', code], { env: benEnv });
  const drvB = await startDriver(instanceEnv(dirB, await freePort(), `127.0.0.1:${portA}`));
  b = await session(drvB.port);
  await waitScreen(b, 'list');
  step = 'Ana approves Ben\'s device';
  await approveJoin(a, 'Ben Okafor');
  await b.wait(async () => (await b.findElements(By.css(`.brief-row[data-id="${id}"]`))).length === 1, 30000, 'the brief reached Ben');
  await clickOn(b, `.brief-row[data-id="${id}"]`);
  await waitScreen(b, 'brief');
  await b.wait(async () => JSON.stringify(await problem(b)) === JSON.stringify(['New admins quit at step 3.', 'Half never return.']), 30000, 'Ben has the text');

  step = "Ben's caret in Ana's window";
  check(await caret(b, 'quit', 0), 'caret before "quit"');
  const seen = await a.wait(async () => {
    const c = await caretOf(a, benDevice, 'quit');
    return c && c.pos === c.want ? c : null;
  }, 10000, "Ana sees Ben's caret before \"quit\"");
  check(seen.label === 'Ben Okafor · engineer', `label: ${seen.label}`);
  check(seen.dx <= 3 && seen.dy <= 6, `on screen at the character: ${JSON.stringify(seen)}`);
  check(seen.carets === 1, `one caret: ${seen.carets}`);
  log(`Ana sees Ben's caret at "quit", labelled "${seen.label}", colour ${seen.colour}`);
  writeFileSync(join(shots, 'session-caret.png'), await a.takeScreenshot(), 'base64');

  step = "Ben types: his caret follows, Ana's window shows his words";
  await keys(b, 'really ');
  await a.wait(async () => {
    const c = await caretOf(a, benDevice, 'quit');
    return c && c.pos === c.want && (await problem(a))[0] === 'New admins really quit at step 3.';
  }, 10000, 'the caret followed the typing');
  log("Ben's caret followed his typing");

  step = 'Ben selects in another section';
  check(await b.executeScript(`window.__gw.session.jumpTo('affected'); return !!window.__gw.session.editors.get('affected');`), 'caret in "who is affected"');
  await a.wait(async () => (await caretOf(a, benDevice, 'quit')) === null, 10000, 'the caret left the problem section');
  await a.wait(async () => a.executeScript(`return !!window.__gw.session.editors.get('affected')?.view.dom.querySelector('.gw-caret')`), 10000, 'the caret is in "who is affected"');
  log("Ben's caret moved to the section he is in");

  step = 'both type into one paragraph at once';
  check(await caret(a, 'Half never return.', 'Half never return.'.length), 'Ana at the end of the second paragraph');
  check(await caret(b, 'Half', 0), 'Ben at its start');
  const typeEach = (d, ch, n) => {
    const act = d.actions({ async: true });
    for (let i = 0; i < n; i++) act.sendKeys(ch).pause(15);
    return act.perform();
  };
  await Promise.all([typeEach(a, 'a', 20), typeEach(b, 'b', 20)]);
  await waitSaved(a);
  await waitSaved(b);
  const same = await a.wait(async () => {
    const [pa, pb] = [await problem(a), await problem(b)];
    return JSON.stringify(pa) === JSON.stringify(pb) && pa[1].includes('a'.repeat(20)) && pa[1].includes('b'.repeat(20)) ? pa : null;
  }, 15000, 'both screens the same, with every key');
  check(same[1] === 'b'.repeat(20) + 'Half never return.' + 'a'.repeat(20), `the paragraph: ${same[1]}`);
  for (const [who, dir] of [
    ['Ana', dirA],
    ['Ben', dirB],
  ])
    await a.wait(async () => show(dir, id).sections.problem === same.join('\n\n'), 15000, `${who}'s database holds the screens' text`);
  log('keys typed at once by both: the same text on both screens and in both databases');

  step = "Ana's Ctrl+Z takes back only her words";
  // the caret moved there: what she types next is a new undo step (src/body/binding.ts)
  check(await caret(a, 'step 3.', 'step 3.'.length), 'Ana at the end of the first paragraph');
  await keys(a, ' ANA-UNDO');
  await waitSaved(a);
  await b.wait(async () => (await problem(b))[0].endsWith(' ANA-UNDO'), 10000, "Ana's words reached Ben");
  check(await caret(b, ' ANA-UNDO', ' ANA-UNDO'.length), 'Ben after her words');
  await keys(b, ' BEN-KEEP');
  await waitSaved(b);
  await a.wait(async () => (await problem(a))[0].endsWith(' ANA-UNDO BEN-KEEP'), 10000, "Ben's words reached Ana");
  await keys(a, Key.CONTROL, 'z');
  for (const [who, d] of [
    ['Ana', a],
    ['Ben', b],
  ])
    await d.wait(async () => (await problem(d))[0] === 'New admins really quit at step 3. BEN-KEEP', 10000, `${who}: only Ana's words undone`);
  log("Ctrl+Z took back Ana's words and kept Ben's, on both screens");

  step = 'who wrote what: Ana colours the text by author';
  await clickOn(a, '#authors-toggle');
  const authored = () =>
    a.executeScript(`const ed = window.__gw.session.editors.get('problem').view.dom;
      return [...ed.querySelectorAll('.gw-author')].map((e) => [e.getAttribute('title'), e.textContent]);`);
  const runs = await a.wait(async () => {
    const r = await authored();
    return r.some(([t]) => t.startsWith('Ben ')) && r.some(([t]) => t.startsWith('Ana ')) ? r : null;
  }, 10000, 'runs by both authors are coloured');
  const by = (who) => runs.filter(([t]) => t.startsWith(who)).map(([, x]) => x).join('');
  check(by('Ben ').includes('really ') && by('Ben ').includes('b'.repeat(20)) && by('Ben ').includes(' BEN-KEEP'), `Ben's runs: ${JSON.stringify(runs)}`);
  check(by('Ana ').includes('a'.repeat(20)) && !by('Ana ').includes('BEN') && !by('Ben ').includes('a'.repeat(20)), `Ana's runs: ${JSON.stringify(runs)}`);
  check(runs.every(([t]) => / · (pm|engineer|designer)$/.test(t)), `name and role on hover: ${JSON.stringify(runs)}`);
  writeFileSync(join(shots, 'session-authors.png'), await a.takeScreenshot(), 'base64');
  const blamed = execFileSync(cli, ['blame', id, 'problem'], { env: { ...process.env, GROUNDWORK_DATA_DIR: dirB }, encoding: 'utf8' });
  check(blamed.split('\n').some((l) => l.split('\t')[1]?.startsWith('Ben') && l.endsWith('b'.repeat(20))), `groundwork blame agrees: ${blamed}`);
  await clickOn(a, '#authors-toggle');
  await a.wait(async () => (await authored()).length === 0, 15000, 'the colours go when toggled off');
  log("who wrote what: Ana's window colours Ben's and her words apart, with name and role; `groundwork blame` agrees");

  step = 'versions: Ana saves one, Ben rewrites, Ana compares and restores the section';
  const before = (await problem(a))[0];
  await clickOn(a, '#history-button');
  await a.findElement(By.id('version-name')).sendKeys("Before Ben's rewrite");
  await clickOn(a, '#version-save button[type="submit"]');
  const versionRow = (kind) => a.executeScript(`return [...document.querySelectorAll('#history-list li[data-kind="${kind}"] .name')].map((e) => e.textContent)`);
  await a.wait(async () => (await versionRow('named')).includes("Before Ben's rewrite"), 10000, 'the version is listed');
  await keys(a, Key.ESCAPE);
  check(
    await b.executeScript(`const ed = window.__gw.session.editors.get('problem'); const first = ed.state.doc.firstChild;
      return ed.chain().focus().insertContentAt({ from: 1, to: 1 + first.content.size }, 'REWRITTEN by Ben').run();`),
    'Ben rewrites the first paragraph',
  );
  await waitSaved(b);
  await a.wait(async () => (await problem(a))[0] === 'REWRITTEN by Ben', 10000, "Ben's rewrite reached Ana");
  await clickOn(a, '#history-button');
  await a.wait(async () => (await versionRow('named')).length === 1, 10000, 'history listed');
  await clickOn(a, '#history-list li[data-kind="named"] button.view');
  const viewed = await a.wait(() => a.executeScript(`const s = document.querySelector('#history-diff .version-section[data-section="problem"] .diff-text'); return s && s.textContent`), 10000, 'the version opens read-only');
  check(viewed.startsWith(before), `the version as it read: ${viewed}`);
  await clickOn(a, '#history-list li[data-kind="named"] button.compare');
  const diffOf = () => a.executeScript(`const s = document.querySelector('#history-diff [data-section="problem"]'); return s && { del: [...s.querySelectorAll('del')].map((e) => e.textContent).join(' '), ins: [...s.querySelectorAll('ins')].map((e) => e.textContent).join(' '), by: [...s.querySelectorAll('ins')].map((e) => e.dataset.by).join('|') };`);
  const diff = await a.wait(diffOf, 10000, 'the problem statement is shown as changed');
  check(diff.del.includes('admins') && diff.ins.includes('REWRITTEN') && diff.by.includes('Ben Okafor (engineer)'), `the difference, with who inserted: ${JSON.stringify(diff)}`);
  writeFileSync(join(shots, 'session-history-diff.png'), await a.takeScreenshot(), 'base64');
  await clickOn(a, '#history-diff [data-section="problem"] button.restore-section');
  for (const [who, d] of [
    ['Ana', a],
    ['Ben', b],
  ])
    await d.wait(async () => (await problem(d))[0] === before, 10000, `${who} has the restored section`);
  await a.wait(async () => (await versionRow('restore')).some((n) => n.includes("Before Ben's rewrite")), 10000, 'the restore is in the history');
  await a.wait(async () => (await a.executeScript("return !!document.getElementById('history-same')")) === true, 10000, 'it now reads as the version did');
  await keys(a, Key.ESCAPE);
  await a.wait(async () => a.executeScript("return document.querySelector('.backdrop') === null"), 15000, 'the history closed');
  await a.executeScript("document.getElementById('sign-off').scrollIntoView({ block: 'center' })");
  await clickOn(a, '#sign-off');
  await clickOn(a, '#history-button');
  await a.wait(async () => (await versionRow('signoff')).length === 1, 10000, 'the sign-off made a version');
  await keys(a, Key.ESCAPE);
  log('versions: saved, compared after a teammate rewrote, one section restored for both, a sign-off version made');

  step = "Ben closes the brief: his caret leaves Ana's window";
  check(await caret(b, 'Half', 0), 'Ben in the problem again');
  await a.wait(async () => (await caretOf(a, benDevice, 'Half')) !== null, 10000, "Ben's caret is back");
  writeFileSync(join(shots, 'session-carets-typing.png'), await a.takeScreenshot(), 'base64');
  const closed = Date.now();
  await clickOn(b, '#back');
  await a.wait(async () => (await a.executeScript(`return document.querySelectorAll('.gw-caret').length`)) === 0, 10000, "Ben's caret gone");
  log(`Ben's caret left Ana's window ${Date.now() - closed} ms after he closed the brief`);

  step = 'since you last looked: Ana changes two sections while Ben is away';
  const benRun = (...args) => execFileSync(cli, args, { env: { ...process.env, GROUNDWORK_DATA_DIR: dirB }, encoding: 'utf8' });
  await a.wait(async () => benRun('changes', id).startsWith('nothing changed by others'), 10000, "Ben's device marked the brief seen when he closed it");
  check(await caret(a, 'step 3.', 'step 3.'.length), 'Ana at the end of the problem');
  await keys(a, ' SINCE-ANA');
  check(await a.executeScript(`const s = window.__gw.session; s.jumpTo('evidence'); const ed = s.editors.get('evidence'); return ed.chain().focus().insertContent('Forty tickets a week.').run();`), 'Ana writes the evidence');
  await waitSaved(a);
  await a.wait(async () => show(dirB, id).sections.evidence.includes('Forty tickets'), 15000, "Ben's device has Ana's changes");
  const listBadge = await b.wait(() => b.executeScript(`const e = document.querySelector('.brief-row[data-id="${id}"] .badge.news'); return e ? e.textContent : null`), 10000, "Ben's brief list says what changed since he looked");
  check(listBadge === '2 sections changed since you last looked', `the list's badge: ${listBadge}`);
  writeFileSync(join(shots, 'session-list-since.png'), await b.takeScreenshot(), 'base64');
  await clickOn(b, `.brief-row[data-id="${id}"]`);
  await waitScreen(b, 'brief');
  const marked = () => b.executeScript(`const e = document.getElementById('since-banner'); return e && !e.hidden ? { items: [...e.querySelectorAll('li')].map((l) => l.dataset.section + ': ' + l.textContent), badges: [...document.querySelectorAll('.since-badge')].map((x) => x.dataset.section) } : null`);
  const since = await b.wait(marked, 10000, 'Ben sees what changed since he looked');
  check(JSON.stringify(since.badges) === JSON.stringify(['problem', 'evidence']), `exactly the two sections: ${JSON.stringify(since)}`);
  check(since.items.every((t) => t.includes('Ana Lima')), `by Ana: ${JSON.stringify(since)}`);
  await clickOn(b, '#since-show');
  const shownDiff = await b.wait(() => b.executeScript(`const d = document.getElementById('since-diff'); return d && [...d.querySelectorAll('ins')].map((e) => e.textContent).join('|')`), 15000, 'the changes are shown');
  check(shownDiff.includes('SINCE-ANA') && shownDiff.includes('Forty tickets'), `Ana's words: ${shownDiff}`);
  writeFileSync(join(shots, 'session-since-you-looked.png'), await b.takeScreenshot(), 'base64');
  await keys(b, Key.ESCAPE);
  await b.wait(async () => b.executeScript("return document.querySelector('.backdrop') === null"), 15000, 'the changes closed');
  await b.executeScript("document.getElementById('since-seen').scrollIntoView({ block: 'center' })");
  await clickOn(b, '#since-seen');
  await b.wait(async () => (await marked()) === null && (await b.executeScript("return document.querySelectorAll('.since-badge').length")) === 0, 15000, 'nothing marked after "mark as seen"');
  check(benRun('changes', id).startsWith('nothing changed by others'), 'the CLI agrees: seen');
  log('since you last looked: exactly the two sections Ana changed, her words shown; cleared by "mark as seen"');

  step = 'comments: Ana comments on "really quit"; Ben edits before, inside and after it';
  const select = (d, needle) =>
    d.executeScript(
      `const ed = window.__gw.session.editors.get('problem'); let at = -1;
       ed.state.doc.descendants((n, p) => { if (at < 0 && n.isText) { const i = n.text.indexOf(arguments[0]); if (i >= 0) at = p + i; } });
       if (at < 0) return false; ed.commands.focus(); ed.commands.setTextSelection({ from: at, to: at + arguments[0].length }); return true;`,
      needle,
    );
  check(await select(a, 'really quit'), 'Ana selects "really quit"');
  await clickOn(a, '#comment-button');
  await a.findElement(By.id('comment-text')).sendKeys('Which step exactly?');
  await clickOn(a, '#comment-submit');
  const threadOf = (d) =>
    d.executeScript(`const t = document.querySelector('#threads .thread'); const hl = [...(window.__gw.session.editors.get('problem')?.view.dom.querySelectorAll('.gw-comment') ?? [])].map((e) => e.textContent).join('');
      return t ? { on: t.querySelector('.on')?.textContent, state: t.dataset.state, deleted: t.dataset.deleted, replies: t.querySelectorAll('.replies li').length, hl } : null`);
  for (const d of [a, b]) await d.wait(async () => (await threadOf(d))?.on === '“really quit”', 10000, 'the thread on both screens');
  check((await threadOf(a)).hl === 'really quit', `highlighted in the text: ${JSON.stringify(await threadOf(a))}`);
  check(await caret(b, 'New admins', 0), 'Ben before it');
  await keys(b, 'Most ');
  check(await caret(b, 'really quit', 'really'.length), 'Ben inside it');
  await keys(b, ' truly');
  check(await caret(b, 'quit at', 'quit'.length), 'Ben after it');
  await keys(b, ',');
  await waitSaved(b);
  const anchoredBoth = await a.wait(async () => {
    const [x, y] = [await threadOf(a), await threadOf(b)];
    return x && y && x.on === y.on && x.on === '“really truly quit”' ? x : null;
  }, 15000, 'the thread is on the same words on both screens');
  check(anchoredBoth.hl === 'really truly quit', `highlight follows: ${JSON.stringify(anchoredBoth)}`);
  writeFileSync(join(shots, 'session-comment-thread.png'), await a.takeScreenshot(), 'base64');
  log('a thread stays on its words while another edits before, inside and after them, on both screens');

  step = 'comments: the thread sits in the margin beside its words, on both screens';
  // the card's top against the top of its highlighted words (both relative to the viewport)
  const marginOf = (d) =>
    d.executeScript(`const c = document.querySelector('[data-margin="problem"] .margin-thread'); const w = document.querySelector('#section-problem .gw-comment');
      if (!c || !w || c.offsetParent === null) return null;
      const [cr, wr, er] = [c.getBoundingClientRect(), w.getBoundingClientRect(), document.querySelector('[data-editor="problem"]').getBoundingClientRect()];
      return { dy: Math.round(cr.top - wr.top), beside: cr.left >= er.right - 1, who: c.querySelector('.who').textContent, what: c.querySelector('.what').textContent, thread: c.dataset.thread }`);
  for (const [d, who] of [[a, 'Ana'], [b, 'Ben']]) {
    const m = await d.wait(async () => {
      const x = await marginOf(d);
      return x && Math.abs(x.dy) <= 4 ? x : null;
    }, 10000, `${who}'s margin card level with the words`);
    check(m.beside && m.who === 'Ana Lima · pm' && m.what === 'Which step exactly?', `${who}'s margin card: ${JSON.stringify(m)}`);
  }
  await a.executeScript("document.getElementById('section-problem').scrollIntoView({ block: 'start' })");
  writeFileSync(join(shots, 'session-margin-threads.png'), await a.takeScreenshot(), 'base64');
  await clickOn(b, '[data-margin="problem"] .margin-thread');
  const opened = await b.wait(() => b.executeScript(`const t = document.querySelector('#threads .thread.active'); return t && document.activeElement === t.querySelector('.reply-text') ? t.dataset.thread : null`), 15000, "the card opens its thread in Ben's panel");
  check(opened === (await marginOf(b)).thread, 'the same thread');
  log('the thread sits in the margin level with its words on both screens; its card opens it in the panel');

  step = 'comments: Ben replies and resolves; Ana sees it resolved; Ana deletes the words';
  await b.executeScript("document.querySelector('#threads .thread .reply-text').scrollIntoView({ block: 'center' })");
  const replyBox = await b.findElement(By.css('#threads .thread .reply-text'));
  await replyBox.click();
  await replyBox.sendKeys('Step 3 is billing.', Key.ENTER);
  await a.wait(async () => (await threadOf(a))?.replies === 2, 10000, "Ben's reply reached Ana");
  await b.executeScript("document.querySelector('#threads .thread button.resolve').scrollIntoView({ block: 'center' })");
  await clickOn(b, '#threads .thread button.resolve');
  await a.executeScript(`const s = document.querySelector('#comments select[data-filter="status"]'); s.value = 'all'; s.dispatchEvent(new Event('change'));`);
  await a.wait(async () => (await threadOf(a))?.state === 'resolved', 10000, 'Ana sees it resolved');
  await a.executeScript("document.querySelector('#threads .thread button.resolve').scrollIntoView({ block: 'center' })");
  await clickOn(a, '#threads .thread button.resolve'); // reopened, to see it on deleted text
  await a.wait(async () => (await threadOf(a))?.state === 'open', 10000, 'reopened');
  check(await select(a, 'Most New admins really truly quit,'), 'Ana selects the words and around');
  await keys(a, 'Admins leave');
  await waitSaved(a);
  const gone = await a.wait(async () => {
    const t = await threadOf(a);
    return t && t.deleted === 'true' ? t : null;
  }, 10000, 'the thread is on deleted text');
  check(gone.on.includes('on deleted text') && gone.on.includes('really quit'), `with its quote: ${JSON.stringify(gone)}`);
  writeFileSync(join(shots, 'session-comment-deleted.png'), await a.takeScreenshot(), 'base64');
  const listed = execFileSync(cli, ['comments', id], { env: { ...process.env, GROUNDWORK_DATA_DIR: dirB }, encoding: 'utf8' });
  check(listed.includes('on deleted text') && listed.includes('Step 3 is billing.'), `the CLI on Ben's data agrees: ${listed}`);
  log('replies and resolving reach the other screen; with its words deleted the thread stays, on deleted text, with its quote');
  log('all checks passed');
} catch (e) {
  await failed('session-e2e', step, e, [
    ['Ana', a],
    ['Ben', b],
  ], problem);
} finally {
  await finish([a, b]);
}
