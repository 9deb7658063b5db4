// The "Who wrote what" toggle in a brief's title bar (Ctrl+Shift+A): fetches who writes for
// each client id (src/brief/authors.rs) and has every section editor colour its text by author
// (../../body/authors.ts). A client id nobody is known for yet (a teammate's first edit, just
// arrived) is asked about again, at most every two seconds.
import { api } from '../../api';
import { authorship, authorSpans, redrawAuthors } from '../../body/authors';
import { bindingOf } from '../../body/binding';
import { fail } from '../../dialogs/dialog';
import { h } from '../../dom';
import type { BriefSession } from './session';

let asked = 0;

async function fetchAuthors(s: BriefSession) {
  asked = Date.now();
  const known = await api.authors(s.id);
  authorship.clients = new Map(known.map((k) => [k.client, k.member]));
}

function redrawAll(s: BriefSession) {
  for (const e of s.editors.values()) redrawAuthors(e.view);
}

/** Asks again if some text on screen is by a client id nobody is known for. */
export function checkUnknownAuthors(s: BriefSession) {
  if (!authorship.on || Date.now() - asked < 2000) return;
  const unknown = [...s.editors.values()].some((e) => {
    const b = bindingOf(e.view);
    return b ? authorSpans(b.text).some((r) => !authorship.clients.has(r.client)) : false;
  });
  if (unknown) fetchAuthors(s).then(() => redrawAll(s), () => {});
}

export async function toggleAuthors(s: BriefSession, button?: HTMLElement | null) {
  try {
    if (!authorship.on) await fetchAuthors(s);
    authorship.onUnknown = () => checkUnknownAuthors(s);
    authorship.on = !authorship.on;
    document.body.classList.toggle('show-authors', authorship.on);
    const b = button ?? document.getElementById('authors-toggle');
    b?.setAttribute('aria-pressed', String(authorship.on));
    redrawAll(s);
  } catch (e) {
    fail(e);
  }
}

export function authorsButton(s: BriefSession): HTMLElement {
  const b: HTMLElement = h('button', { id: 'authors-toggle', 'aria-pressed': String(authorship.on), title: 'Who wrote what: colour the text by author (Ctrl+Shift+A)' }, 'Authors');
  b.addEventListener('click', () => void toggleAuthors(s, b));
  return b;
}
