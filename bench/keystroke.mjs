// What the keystroke benchmarks (pair-bench.mjs, session-bench.mjs) run in the windows: in B,
// when each character typed in A shows and is painted; in A, when each key went down.
/** B: every time the first paragraph of the problem section grows, the time of that change
 * and of the next animation frame, per character. */
export const watch = `
  const first = () => document.querySelector('[data-section-editor="problem"]').firstElementChild;
  const base = first().textContent.length;
  const pb = (window.__pb = { seen: [], painted: [] });
  new MutationObserver(() => {
    const n = first().textContent.length - base;
    const t = performance.timeOrigin + performance.now();
    const from = pb.seen.length;
    while (pb.seen.length < n) pb.seen.push(t);
    if (n > from) requestAnimationFrame(() => { const p = performance.timeOrigin + performance.now(); while (pb.painted.length < n) pb.painted.push(p); });
  }).observe(document.querySelector('[data-section-editor="problem"]'), { subtree: true, childList: true, characterData: true });`;
/** A: the caret at the end of the first paragraph; every keydown's time. */
export const type = `
  const ed = window.__gw.session.editors.get('problem');
  ed.commands.focus();
  ed.commands.setTextSelection(ed.state.doc.firstChild.nodeSize - 1);
  const pa = (window.__pa = []);
  window.addEventListener('keydown', () => pa.push(performance.timeOrigin + performance.now()), true);`;

export const firstLine = (d) => d.executeScript(`const e = document.querySelector('[data-section-editor="problem"]'); return e && e.firstElementChild ? e.firstElementChild.textContent : null;`);

