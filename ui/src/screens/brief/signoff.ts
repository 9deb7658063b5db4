// The problem sign-off panel: who signed, what went stale, and signing.
import { toast } from '../../dialogs/dialog';
import { clear, h } from '../../dom';
import { roleSummaries, signoffHeadline } from '../../logic';
import { app } from '../../state';
import { ROLE_LABEL, ROLE_PERSON } from '../../types';
import { BriefSession } from './session';

export function renderSignoff(bs: BriefSession) {
  const bar = bs.el.querySelector<HTMLElement>('#signoff-bar')!;
  clear(bar);
  const roles = roleSummaries(bs.view);
  const chips = h('div', { class: 'chips' });
  for (const r of roles) {
    const so = r.signoff;
    const tip = so
      ? r.state === 'stale'
        ? `${so.name} signed, then the problem changed: ${so.changed_sections.map((s) => bs.heading(s)).join(', ')}`
        : `${so.name} signed on ${new Date(so.signed_at).toLocaleString()}`
      : 'Not signed yet';
    chips.append(
      h(
        'span',
        { class: `chip ${r.state}`, 'data-role': r.role, 'data-state': r.state, title: tip },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('strong', {}, ROLE_LABEL[r.role]),
        ' ',
        r.state === 'signed' ? `signed by ${so!.name}` : r.state === 'stale' ? `stale — ${so!.name}’s sign-off predates changes` : 'pending',
      ),
    );
  }
  const mine = roles.find((r) => r.role === app.profile.role)!;
  const label = mine.state === 'signed' ? `Signed as ${ROLE_PERSON[app.profile.role]}` : mine.state === 'stale' ? `Sign again as ${ROLE_PERSON[app.profile.role]}` : `Sign off as ${ROLE_PERSON[app.profile.role]}`;
  bar.append(
    h('div', { class: 'signoff-head' }, h('strong', { id: 'signoff-headline' }, signoffHeadline(bs.view)), h('button', { class: mine.state === 'signed' ? '' : 'primary', id: 'sign-off', disabled: mine.state === 'signed', title: 'Sign off the problem (Ctrl+Shift+Enter)', onclick: () => signOff(bs) }, label)),
    chips,
  );
  const stale = roles.filter((r) => r.state === 'stale');
  if (stale.length) {
    bar.append(h('p', { class: 'stale-note' }, `The problem changed after ${stale.map((r) => ROLE_LABEL[r.role]).join(' and ')} signed: ${[...new Set(stale.flatMap((r) => r.signoff!.changed_sections))].map((s) => bs.heading(s)).join(', ')}.`));
  }
}

export async function signOff(bs: BriefSession) {
  if (await bs.op({ op: 'sign_off', role: app.profile.role })) toast(`Signed off the problem as ${ROLE_PERSON[app.profile.role]}`);
}

export function renderWeighedIn(bs: BriefSession) {
  const panel = bs.el.querySelector<HTMLElement>('#weighed-in')!;
  clear(panel);
  panel.append(h('h3', {}, 'Who has weighed in'));
  for (const r of roleSummaries(bs.view)) {
    panel.append(h('p', { class: `weigh ${r.weighedIn ? 'yes' : 'no'}`, 'data-role': r.role }, h('span', { class: 'dot', 'aria-hidden': 'true' }), r.line));
  }
}
