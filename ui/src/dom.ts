// A tiny element builder: enough for a handful of screens without a framework.
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    } else if (k === 'class') {
      el.className = String(v);
    } else if (k === 'value' && 'value' in el) {
      (el as unknown as { value: string }).value = String(v);
    } else if (k === 'checked' && 'checked' in el) {
      (el as unknown as { checked: boolean }).checked = !!v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** Sets an element's text, touching the page only when it differs. Writing `textContent`
 * replaces the text node even with the same words, and WebKit drops a click whose press and
 * release straddle that replacement (the node pressed is gone): a button relabelled on every
 * refresh (the sync status, once a second) would eat some clicks. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Runs `steps` one per idle slice (waiting at most `timeout` ms for each) while
 * `keepGoing()` holds; resolves when all ran or it stopped holding. A failing step is logged
 * and the next one runs. */
export function idleSteps(steps: (() => void)[], keepGoing: () => boolean = () => true, timeout = 1000): Promise<void> {
  const idle = (fn: () => void) =>
    typeof window !== 'undefined' && typeof window.requestIdleCallback === 'function'
      ? window.requestIdleCallback(fn, { timeout })
      : setTimeout(fn, 0);
  return new Promise((done) => {
    const next = () => {
      const step = keepGoing() ? steps.shift() : undefined;
      if (!step) return done();
      try {
        step();
      } catch (e) {
        console.warn('idle step', e);
      }
      idle(next);
    };
    idle(next);
  });
}

/** At most this many notices show at once; a new one pushes out the oldest. */
export const TOASTS_SHOWN = 3;

/** Shows a short notice in `stack` for `ms`. The same message shown again restarts its notice
 * instead of stacking a copy, and only the newest `TOASTS_SHOWN` stay, so a burst of notices
 * never grows over the screen. */
export function showToast(stack: HTMLElement, message: string, kind: 'info' | 'error', ms: number): HTMLElement {
  for (const old of stack.querySelectorAll<HTMLElement>('.toast')) if (old.textContent === message) old.remove();
  const t = h('div', { class: `toast ${kind}` }, message);
  stack.append(t);
  while (stack.children.length > TOASTS_SHOWN) stack.firstElementChild?.remove();
  setTimeout(() => t.remove(), ms);
  return t;
}
