// Who else is on the brief (awareness), shown in the header and per section.
import { clear, h, setText } from '../../dom';
import { initials, personColour } from '../../logic';
import { app } from '../../state';
import { BriefSession, Present } from './session';

export function renderPresence(bs: BriefSession) {
  if (!bs.el) return;
  const others = new Map<string, Present>();
  for (const [cid, st] of bs.awareness.getStates()) {
    if (cid === bs.doc.clientID) continue;
    let p = st as Partial<Present>;
    // a stock Yjs client in the brief's relay room names itself as `user.name` (SYNC.md)
    const user = (st as { user?: { name?: unknown } }).user;
    if (!p.name && typeof user?.name === 'string') p = { name: user.name, role: 'Yjs client', device: `yjs:${cid}`, section: null };
    if (!p.name || !p.device || p.device === app.profile.device) continue;
    const prev = others.get(p.device);
    if (!prev || (!prev.section && p.section)) others.set(p.device, { name: p.name, role: p.role ?? '', device: p.device, section: p.section ?? null });
  }
  clear(bs.presenceEl);
  for (const p of others.values()) {
    bs.presenceEl.append(h('span', { class: 'avatar small', title: `${p.name} (${p.role})${p.section ? ' — in ' + bs.heading(p.section) : ''}`, style: `background:${personColour(p.device)}` }, initials(p.name)));
  }
  bs.el.querySelectorAll<HTMLElement>('[data-here]').forEach((el) => {
    const here = [...others.values()].filter((p) => p.section === el.dataset.here);
    setText(el, here.map((p) => p.name).join(', '));
    el.style.color = here[0] ? personColour(here[0].device) : '';
  });
}
