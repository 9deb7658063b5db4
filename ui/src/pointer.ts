// Holds redraws while the main mouse button is down. A click is a press and a release on the same
// element: a redraw in between (a teammate's change arriving, a refresh on a timer) replaces
// the element under the pointer and the click is lost — in WebKit, even a replaced text node
// loses it. Parts of the screen that redraw wholesale go through `afterPointer`: at once when
// no button is down, else right after the release (and its click) in one go, the latest
// request per part.

let held = false;
const waiting = new Map<string, () => void>();

function release() {
  if (!held) return;
  held = false;
  // after the click this release makes, which is dispatched in the same task
  setTimeout(() => {
    if (held) return;
    const due = [...waiting.values()];
    waiting.clear();
    for (const fn of due) fn();
  }, 0);
}

if (typeof document !== 'undefined') {
  // the main button: what clicks
  document.addEventListener('mousedown', (e) => e.button === 0 && (held = true), true);
  document.addEventListener('mouseup', (e) => e.button === 0 && release(), true);
  // a release the page never saw (a menu or dialog took it, a drag, the window lost focus):
  // the next move without the button down says so
  document.addEventListener('mousemove', (e) => held && (e.buttons & 1) === 0 && release(), true);
  document.addEventListener('dragend', release, true);
  window.addEventListener('blur', release);
}

/** Runs `draw` now, or once the main mouse button is released if it is down; a later request for
 * the same `part` meanwhile replaces an earlier one. */
export function afterPointer(part: string, draw: () => void): void {
  if (held) waiting.set(part, draw);
  else draw();
}

/** Whether the main mouse button is down in the page (for tests). */
export const pointerHeld = () => held;
