// The first-run screen and the profile dialog (name and role).
import { api } from '../api';
import { closeDialog, showDialog, toast } from '../dialogs/dialog';
import { clear, h } from '../dom';
import { app, root } from '../state';
import { errorText } from '../sync';
import { ROLES, ROLE_PERSON, type Role } from '../types';
import { renderList } from './library';

// ---- first run / app.profile -------------------------------------------------------------------

export function roleChooser(selected: Role, onPick: (r: Role) => void): HTMLElement {
  const group = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'Role' });
  for (const r of ROLES) {
    const b = h(
      'button',
      {
        type: 'button',
        role: 'radio',
        'aria-checked': String(r === selected),
        'data-role': r,
        class: r === selected ? 'on' : '',
        onclick: () => {
          group.querySelectorAll('button').forEach((x) => {
            x.classList.toggle('on', x === b);
            x.setAttribute('aria-checked', String(x === b));
          });
          onPick(r);
        },
      },
      ROLE_PERSON[r],
    );
    group.append(b);
  }
  return group;
}

export function profileForm(submitLabel: string, done: () => void): HTMLElement {
  let role: Role = app.profile.role;
  const name = h('input', {
    id: 'profile-name',
    type: 'text',
    value: app.profile.confirmed ? app.profile.name : '',
    placeholder: 'Your name',
    maxlength: 80,
    autofocus: true,
    autocomplete: 'name',
  });
  const error = h('p', { class: 'error', hidden: true });
  const form = h(
    'form',
    { class: 'stack', id: 'profile-form' },
    h('label', { for: 'profile-name' }, 'Name'),
    name,
    h('label', {}, 'Your role on briefs'),
    roleChooser(role, (r) => (role = r)),
    h('p', { class: 'hint' }, 'Your name and role are shown to teammates next to your sign-offs, concerns and decisions.'),
    error,
    h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit', id: 'profile-save' }, submitLabel)),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.setProfile(name.value, role);
      app.profile = await api.profile();
      window.__gw.profile = app.profile;
      done();
    } catch (err) {
      error.hidden = false;
      error.textContent = errorText(err);
    }
  });
  return form;
}

export function renderFirstRun() {
  window.__gw.screen = 'first-run';
  clear(root);
  root.append(
    h(
      'main',
      { class: 'first-run' },
      h(
        'div',
        { class: 'card welcome' },
        h('div', { class: 'logo', 'aria-hidden': 'true' }, h('span', { class: 'p' }), h('span', { class: 's' })),
        h('h1', {}, 'Welcome to Groundwork'),
        h('p', { class: 'lede' }, 'Frame the problem together before shaping the solution. First, who are you?'),
        profileForm('Continue', () => renderList()),
      ),
    ),
  );
  (document.getElementById('profile-name') as HTMLInputElement)?.focus();
}

export function showProfileDialog() {
  showDialog('Your name and role', profileForm('Save', () => {
    closeDialog();
    toast(`You are ${app.profile.name} (${ROLE_PERSON[app.profile.role]})`);
    if (app.session) app.session.refreshView();
    else renderList();
  }));
}

