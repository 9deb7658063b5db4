// Files through the platform's dialogs, in the real window (run by scripts/e2e.sh): without
// GROUNDWORK_EXPORT_DIR, "Export → Markdown" opens GTK's "Save as…" dialog, which this test
// answers as a person would, with the keyboard (xdotool types into the dialog under Xvfb: a
// path, Return); the file lands where it was told. The next "Save as…" opens in that folder
// (a bare file name lands there); so does the one after Open…, also after a restart. Ctrl+O opens GTK's "Open…" dialog; the
// chosen Markdown file becomes a brief that opens. A Markdown file dropped onto the window (a
// drop event carrying the file, dispatched in the page: an X drag from another application
// is not something Xvfb can make) is imported and opens; a file that is not Markdown is
// refused in words. The PDF export is read back with poppler-utils. Screenshots of both
// dialogs and page 1 of the PDF land in $E2E_OUT.
import { app, cli, clickOn, finish, keys, Key, screen, session, startDriver, text, waitScreen, xdo } from './harness.mjs';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const shots = resolve(process.env.E2E_OUT ?? join(here, 'screenshots'));
mkdirSync(shots, { recursive: true });
const tmp = mkdtempSync(join(tmpdir(), 'gw-files-'));
for (const v of ['XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']) {
  process.env[v] = join(tmp, v.toLowerCase());
  mkdirSync(process.env[v], { recursive: true });
}
delete process.env.GROUNDWORK_EXPORT_DIR; // exports ask where to go
Object.assign(process.env, { GROUNDWORK_DATA_DIR: join(tmp, 'data'), GROUNDWORK_NO_MDNS: '1', GROUNDWORK_LISTEN: '127.0.0.1:0', HOME: join(tmp, 'home') });
mkdirSync(process.env.HOME, { recursive: true });
const log = (m) => console.log(`[files-e2e] ${m}`);
let step = 'start';
function check(cond, what) {
  if (!cond) throw new Error(`check failed at "${step}": ${what}`);
}
function running() {
  try {
    return execFileSync('pgrep', ['-f', app]).toString().trim() !== '';
  } catch {
    return false; // pgrep exits 1 when nothing matches
  }
}
const run = (...args) => execFileSync(cli, args, { env: process.env, encoding: 'utf8' }).trim();
const grab = (name) => execFileSync('/usr/bin/python3', [join(here, 'grab.py'), join(shots, name)]);

/** Waits for the dialog titled `title` and answers it by keyboard: `path` typed, Return. */
function answerDialog(title, path, { open = false, shot } = {}) {
  const win = xdo('search', '--sync', '--onlyvisible', '--name', `^${title}$`).split('\n')[0];
  xdo('windowfocus', '--sync', win);
  if (shot) grab(shot);
  // "Save as…" has the name field focused; "Open…" takes a typed path in its location field
  xdo('key', '--clearmodifiers', open ? 'ctrl+l' : 'ctrl+a');
  xdo('type', '--delay', '2', path);
  xdo('key', '--clearmodifiers', 'Return');
}

/** Polls for a file the app writes (a file appearing, not a time). */
async function fileAppears(d, path, what) {
  await d.wait(async () => existsSync(path), 15000, what);
  return readFileSync(path, 'utf8');
}

async function exportMarkdown(d, format = 'markdown') {
  // the export dialog stays open after an export: another format is one more click
  if (!(await d.executeScript("return !!document.getElementById('export-result')"))) await clickOn(d, '#export-button');
  await d.wait(async () => (await d.executeScript('return !!document.getElementById(arguments[0])', `export-${format}`)) === true, 15000, 'the export dialog');
  // the click returns at once; the "Save as…" dialog opens from the shell
  await d.executeScript('document.getElementById(arguments[0]).click()', `export-${format}`);
}

let d;
try {
  step = 'a brief to export';
  run('identity', '--name', 'Ana Lima', '--role', 'pm');
  const id = run('new', 'Dialog brief');
  run('set', id, 'problem', 'Exports land where the person says.');
  const drv = await startDriver();
  d = await session(drv.port);
  await waitScreen(d, 'list');
  await clickOn(d, `.brief-row[data-id="${id}"]`);
  await waitScreen(d, 'brief');

  step = 'Save as… to a chosen folder';
  const chosen = join(tmp, 'chosen folder');
  mkdirSync(chosen);
  await exportMarkdown(d);
  answerDialog('Save brief as', join(chosen, 'for-review.md'), { shot: 'save-as-dialog.png' });
  const md = await fileAppears(d, join(chosen, 'for-review.md'), 'the export is where the dialog said');
  check(md.includes('# Dialog brief') && md.includes('Exports land where the person says.'), `the exported Markdown: ${md.slice(0, 200)}`);
  await d.wait(async () => ((await text(d, '#export-result')) ?? '').includes('for-review.md'), 15000, 'the dialog says where it went');
  log('Save as… wrote the export to the folder typed into the GTK dialog');

  step = 'the next Save as… opens in the folder used last';
  await exportMarkdown(d, 'html');
  answerDialog('Save brief as', 'second-look');
  const html = await fileAppears(d, join(chosen, 'second-look.html'), 'a bare name lands in the folder used last, with its extension');
  check(html.includes('Dialog brief'), 'the HTML export');
  log('the second Save as… opened in the folder used last; a name without extension got .html');

  step = 'the brief as a PDF, from the export menu';
  await exportMarkdown(d, 'pdf');
  answerDialog('Save brief as', 'on-paper');
  const pdf = join(chosen, 'on-paper.pdf');
  await fileAppears(d, pdf, 'the PDF is saved');
  const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
  check(/Title:\s+Dialog brief/.test(info) && /Pages:\s+[1-9]/.test(info), `pdfinfo: ${info}`);
  const words = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).split(/\s+/).join(' ');
  let at = 0;
  for (const want of ['Dialog brief', 'Problem space', 'Sign-off', 'Problem statement', 'Exports land where the person says.', 'Solution space', 'Decision log', 'Concerns', 'Open questions']) {
    const i = words.indexOf(want, at);
    check(i >= 0, `the PDF's text has "${want}" after character ${at}: ${words.slice(0, 400)}`);
    at = i + want.length;
  }
  execFileSync('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '1', '-singlefile', pdf, join(shots, 'export-pdf-page-1')]);
  check(existsSync(join(shots, 'export-pdf-page-1.png')), 'page 1 rendered');
  await keys(d, Key.ESCAPE);
  log('the PDF export is valid (pdfinfo), reads in order (pdftotext), page 1 is export-pdf-page-1.png');

  step = 'Open… imports a Markdown file';
  const incoming = join(tmp, 'incoming');
  mkdirSync(incoming);
  const opened = join(incoming, 'from-disk.md');
  writeFileSync(opened, '# Opened from disk\n\n## Problem space\n\n### Problem statement\n\nPicked in the Open dialog.\n');
  await clickOn(d, '#back');
  await waitScreen(d, 'list');
  await keys(d, Key.CONTROL, 'o');
  answerDialog('Open a Markdown brief', opened, { open: true, shot: 'open-dialog.png' });
  await d.wait(async () => (await screen(d)) === 'brief' && (await d.executeScript("return document.getElementById('brief-title')?.value")) === 'Opened from disk', 15000, 'the opened file is a brief, open');
  check(((await text(d, '[data-section-editor="problem"]')) ?? '').includes('Picked in the Open dialog.'), 'its problem statement');
  log('Ctrl+O → GTK Open… → the file became a brief');

  step = 'a Markdown file dropped onto the window';
  const drop = (name, type, body) =>
    d.executeScript(
      `const dt = new DataTransfer(); dt.items.add(new File([arguments[2]], arguments[0], { type: arguments[1] }));
       const over = new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true });
       document.body.dispatchEvent(over);
       document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
       return over.defaultPrevented;`,
      name,
      type,
      body,
    );
  check((await drop('notes.png', 'image/png', 'not markdown')) === true, 'the window takes file drops');
  await d.wait(async () => ((await text(d, '.toast')) ?? '').includes('Only Markdown files'), 15000, 'a file that is not Markdown is refused in words');
  await drop('dropped.md', 'text/markdown', '# Dropped brief\n\n## Problem space\n\n### Problem statement\n\nDragged onto the window.\n');
  await d.wait(async () => (await d.executeScript("return document.getElementById('brief-title')?.value")) === 'Dropped brief', 15000, 'the dropped file is a brief, open');
  check(((await text(d, '[data-section-editor="problem"]')) ?? '').includes('Dragged onto the window.'), 'its problem statement');
  const listed = run('list');
  check(listed.includes('Dropped brief') && listed.includes('Opened from disk'), `both imports are stored: ${listed}`);
  log('a dropped .md became a brief; a dropped .png was refused');

  step = 'after a restart, Save as… still opens in the folder used last';
  try {
    await keys(d, Key.CONTROL, 'q');
  } catch {
    /* the window may close before the driver answers */
  }
  // the app ends by itself (the process table is polled, as a port would be)
  for (let i = 0; running(); i++) {
    check(i < 100, 'the app exits after Ctrl+Q');
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    await d.quit();
  } catch {
    /* the window closed itself */
  }
  d = await session(drv.port);
  await waitScreen(d, 'brief'); // the dropped brief, open when the app ended
  await exportMarkdown(d);
  answerDialog('Save brief as', 'after-restart.md');
  // the folder used last is the one Open… read from
  const again = await fileAppears(d, join(incoming, 'after-restart.md'), 'the folder is remembered across a restart');
  check(again.includes('# Dropped brief'), 'the export after restart');
  log('the folder used last is remembered across a restart');
  log('all checks passed');
} catch (e) {
  console.error(`[files-e2e] FAILED at "${step}": ${e && e.stack ? e.stack : e}`);
  try {
    grab('files-failure.png');
    if (d) console.error(`[files-e2e] the window shows: ${await screen(d)}`);
  } catch {
    /* the window may be gone */
  }
  process.exitCode = 1;
} finally {
  await finish([d]);
}
