// What the real-window tests share: tauri-driver sessions on the built app, keys, reading the
// screen in one script call, and waiting for an edit to be acknowledged.
import { Builder, By, Key } from 'selenium-webdriver';
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import { join, resolve } from 'node:path';

export const app = resolve(process.env.GROUNDWORK_APP ?? 'missing-GROUNDWORK_APP');
export const cli = resolve(process.env.GROUNDWORK_CLI ?? 'missing-GROUNDWORK_CLI');

/** Ports handed out by this run: the kernel may offer a port again once it is closed, and two
 * handed out twice (an app's listen address and a driver's, say) would collide. */
const handedOut = new Set();
export async function freePort() {
  for (;;) {
    const port = await new Promise((res, rej) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => res(port));
      });
      s.on('error', rej);
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export async function waitForPort(port, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((res) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.end();
        res(true);
      });
      c.on('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listened on ${port}`);
    await new Promise((r) => setTimeout(r, 50)); // polling a port, not synchronising on time
  }
}

export const drivers = [];
/** A tauri-driver; the apps it starts inherit its environment (`env` on top of ours). */
export async function startDriver(env = {}) {
  const port = await freePort();
  const nativePort = await freePort();
  const proc = spawn('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  drivers.push(proc);
  await waitForPort(port);
  return { proc, port };
}

export { By, Key };

/** A tauri-driver stopped, once its process has gone. */
export const stopDriver = ({ proc }) =>
  new Promise((res) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return res();
    proc.once('exit', () => res());
    proc.kill('SIGTERM');
  });

/** A WebDriver session on `bin` (the app under test unless told). */
export async function session(port, bin = app) {
  const driver = await new Builder()
    .usingServer(`http://127.0.0.1:${port}/`)
    .withCapabilities({ browserName: 'wry', 'tauri:options': { application: bin } })
    .build();
  await driver.wait(async () => (await driver.executeScript('return window.__gw && window.__gw.screen')) !== 'loading', 20000, 'app did not start');
  return driver;
}

/** Runs xdotool (real X input under Xvfb: answering GTK dialogs, typing as a keyboard does). */
export const xdo = (...args) => execFileSync('xdotool', args, { encoding: 'utf8', timeout: 20000 }).trim();
export const screen = (d) => d.executeScript('return window.__gw.screen');
export const waitScreen = (d, s) => d.wait(async () => (await screen(d)) === s, 15000, `screen ${s}`);

/** Presses keys, holding the modifiers among them (Ctrl, Shift, Alt) around the others. */
export async function keys(d, ...seq) {
  const a = d.actions({ async: true });
  const mods = seq.filter((k) => k === Key.CONTROL || k === Key.SHIFT || k === Key.ALT);
  for (const m of mods) a.keyDown(m);
  a.sendKeys(...seq.filter((k) => !mods.includes(k)));
  for (const m of mods.reverse()) a.keyUp(m);
  await a.perform();
}

// Parts of the screen re-render on every change: read them in one script call, never through
// element handles that may go stale between two WebDriver calls.
export const attr = (d, css, name) => d.executeScript('const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;', css, name);
export const text = (d, css) => d.executeScript('const e = document.querySelector(arguments[0]); return e ? e.innerText : null;', css);
export const count = (d, css) => d.executeScript('return document.querySelectorAll(arguments[0]).length;', css);

/** A real click on what `css` finds now, found again if a re-render replaced it meanwhile
 * (the brief view refreshes up to four times a second while its document changes; WebKit's
 * driver reports an element detached between finding and clicking as stale or, when it was
 * mid-replacement, as not interactable). The click must reach the element: a capture listener
 * this helper installs reports it, and a click the page never saw fails the test, saying what
 * it reached instead. WebKit drops a click whose press and release straddle a re-render of
 * the text under the pointer; an app that relabels a button on a timer loses real clicks so. */
export async function clickOn(d, css) {
  for (let i = 0; ; i++) {
    try {
      const tag = await d.executeScript(CLICK_WATCH, css);
      await d.findElement(By.css(css)).click();
      // choosing an <option> selects it without mouse events (WebDriver's element click)
      if (tag === 'OPTION') return;
    } catch (e) {
      if (i >= 9 || !['StaleElementReferenceError', 'ElementNotInteractableError'].includes(e.name)) throw e;
      // not interactable can also mean covered (a dialog closing) or out of view: the next try
      // waits a frame for the page to settle, with the element in the middle of the window
      await d.executeAsyncScript(
        `const done = arguments[arguments.length - 1]; document.querySelector(arguments[0])?.scrollIntoView({ block: 'center' });
         requestAnimationFrame(() => requestAnimationFrame(() => done()));`,
        css,
      );
      continue;
    }
    try {
      await d.wait(() => d.executeScript('return window.__gwClick?.got === true;'), 3000);
      return;
    } catch (e) {
      if (e.name !== 'TimeoutError') return; // the page went away with the click (a window closed)
    }
    const elsewhere = await d.executeScript('return window.__gwClick?.elsewhere ?? null;');
    throw new Error(`a click on ${css} never reached it (${elsewhere ? `it reached ${elsewhere}` : 'no click reached the page'})`);
  }
}

// Arms the page to report the next click on `arguments[0]` (window.__gwClick.got); answers
// the element's tag name.
const CLICK_WATCH = `window.__gwClick = { css: arguments[0], got: false };
if (!window.__gwClickWatch) {
  window.__gwClickWatch = true;
  document.addEventListener('click', (e) => {
    const c = window.__gwClick;
    if (!c || !(e.target instanceof Element)) return;
    if (e.target.closest(c.css)) c.got = true;
    else c.elsewhere = e.target.tagName + (e.target.id ? '#' + e.target.id : '') + (e.target.className ? '.' + String(e.target.className).split(' ').join('.') : '');
  }, true);
}
return document.querySelector(arguments[0])?.tagName ?? null;`;

/** The environment of one app instance: its own data directory, listen address and export
 * directory, no mDNS, and the peers it dials (`host:port`, comma-separated), if any. */
export const instanceEnv = (dir, listen, peers) => ({
  GROUNDWORK_DATA_DIR: dir,
  GROUNDWORK_LISTEN: `127.0.0.1:${listen}`,
  GROUNDWORK_NO_MDNS: '1',
  GROUNDWORK_EXPORT_DIR: join(dir, 'exports'),
  ...(peers ? { GROUNDWORK_PEERS: peers } : {}),
});

/** A first run in window `d`: saves the profile `name`, creates a brief titled `title` and
 * opens it; returns its id. */
export async function startBrief(d, name, title) {
  await waitScreen(d, 'first-run');
  await d.findElement(By.id('profile-name')).sendKeys(name);
  await clickOn(d, '#profile-save');
  await waitScreen(d, 'list');
  await keys(d, Key.CONTROL, 'n');
  await d.wait(async () => (await count(d, '#new-title')) === 1, 15000, 'the new brief dialog');
  await d.findElement(By.id('new-title')).sendKeys(title);
  await clickOn(d, '#create-brief');
  await waitScreen(d, 'brief');
  return d.executeScript('return window.__gw.session.id');
}

/** The open brief's invite code, read from its share dialog (closed again). */
export async function inviteCode(d) {
  await clickOn(d, '#share-button');
  // the code comes from the engine (a write to the brief, stored before it answers): on a busy
  // two-core machine with a debug build that can take seconds
  await d.wait(async () => (await count(d, '#invite-code')) === 1, 20000, 'the invite code dialog');
  const code = await d.executeScript("return document.getElementById('invite-code').value");
  await keys(d, Key.ESCAPE);
  return code;
}

/** In window `d` (a member of the open brief), approves the device of `name` that asks to
 * join, from the People and devices dialog (closed again). */
export async function approveJoin(d, name) {
  await clickOn(d, '#share-button');
  const asking = '#roster li[data-state="asking"]';
  // read in one script call each: the roster re-renders as devices come and go
  await d.wait(async () => (await count(d, `${asking} button.approve`)) > 0, 30000, `${name} asks to join`);
  const shown = await text(d, asking);
  if (!shown.includes(`${name}’s device asks to join`)) throw new Error(`the request shown is not ${name}'s: ${shown}`);
  await clickOn(d, `${asking} button.approve`);
  await d.wait(async () => (await count(d, asking)) === 0, 10000, `${name} approved`);
  await keys(d, Key.ESCAPE);
}

export async function waitSaved(d) {
  await d.wait(async () => (await attr(d, '#save-state', 'data-state')) === 'saved', 10000, 'edit acknowledged');
}

/** Waits until `read()` (a CLI reading of a data directory) satisfies `ok`: a running peer
 * stores what it received a moment after the window shows it. On timeout the error carries
 * the last reading. */
export async function stored(d, read, ok, what, ms = 15000) {
  let last;
  try {
    await d.wait(async () => ok((last = read())), ms, what);
  } catch {
    throw new Error(`${what}: ${typeof last === 'string' ? last : JSON.stringify(last)}`);
  }
}

/** Reports a failed run: the step, the error, what each window shows (`shows(d)`), and sets
 * the exit code. */
export async function failed(tag, step, e, windows, shows) {
  console.error(`[${tag}] FAILED at "${step}": ${e && e.stack ? e.stack : e}`);
  for (const [who, d] of windows)
    try {
      if (d) {
        console.error(`[${tag}] ${who} shows: ${JSON.stringify(await shows(d))}`);
        // what the person would see besides: error or info toasts, an open dialog's title
        const seen = await d.executeScript(
          `return { toasts: [...document.querySelectorAll('.toast')].map((t) => t.className + ': ' + t.textContent), dialog: document.querySelector('[role=dialog]')?.getAttribute('aria-label') ?? null,
                    focus: document.activeElement ? document.activeElement.tagName + '#' + document.activeElement.id : null,
                    ipcWaiting: (window.__TAURI_INTERNALS__?.callbacks?.size ?? 0) };`,
        );
        console.error(`[${tag}] ${who} toasts, dialog, focus and IPC callbacks registered: ${JSON.stringify(seen)}`);
      }
    } catch {
      /* the window may be gone */
    }
  process.exitCode = 1;
}

/** Ends a test run: quits the sessions, stops the drivers, kills any app left, exits. */
export async function finish(sessions, apps = [app]) {
  for (const d of sessions)
    try {
      await d?.quit();
    } catch {
      /* already gone */
    }
  for (const p of drivers) p.kill('SIGTERM');
  for (const bin of apps)
    try {
      execFileSync('pkill', ['-9', '-f', bin]);
    } catch {
      /* none left */
    }
  process.exit(process.exitCode ?? 0);
}

/** Puts the caret `offset` characters after the start of `needle` in `section`. */
export const caret = (d, needle, offset, section = 'problem') =>
  d.executeScript(
    `const ed = window.__gw.session.editors.get(arguments[2]); let at = -1;
     ed.state.doc.descendants((n, p) => { if (at < 0 && n.isText) { const i = n.text.indexOf(arguments[0]); if (i >= 0) at = p + i + arguments[1]; } });
     if (at < 0) return false; ed.commands.focus(); ed.commands.setTextSelection(at); return true;`,
    needle,
    offset,
    section,
  );

/** A TCP relay to `target` that can be cut (every connection dropped, new ones refused) and
 * restored: the network between the two laptops. */
export function relay(target) {
  const sockets = new Set();
  let server = null;
  const listen = (port) =>
    new Promise((res) => {
      server = net.createServer((c) => {
        const up = net.connect(target, '127.0.0.1');
        for (const s of [c, up]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        c.pipe(up);
        up.pipe(c);
        c.on('close', () => up.destroy());
        up.on('close', () => c.destroy());
      });
      server.listen(port, '127.0.0.1', res);
    });
  return {
    listen,
    cut: () =>
      new Promise((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
    links: () => sockets.size,
  };
}
