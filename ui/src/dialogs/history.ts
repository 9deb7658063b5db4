// The brief's history (issue 15, point 3): its versions, oldest last-on-top, saved by name or
// made at each sign-off, decision and restore (src/brief/versions.rs). "Save a version" names
// how the brief reads now; "View" shows a version as it read, read-only; "Compare with now" shows, per section, what changed since that
// version (deleted words struck through, inserted ones marked, with who wrote them on hover); "Restore" writes a version's
// text back — every section, or one — as a new change every teammate receives.
import { api } from '../api';
import { h } from '../dom';
import type { BriefSession } from '../screens/brief/session';
import type { SectionDiff, VersionInfo } from '../types';
import { fail, showDialog, toast } from './dialog';

const KIND: Record<VersionInfo['kind'], string> = { named: 'Saved', signoff: 'Sign-off', decision: 'Decision', restore: 'Restore' };

const when = (at: string) => {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? at : d.toLocaleString();
};

export async function showHistory(bs: BriefSession) {
  const list = h('ol', { class: 'history', id: 'history-list', reversed: true });
  const detail = h('div', { class: 'history-diff', id: 'history-diff' });
  const name = h('input', { id: 'version-name', placeholder: 'Name this version, e.g. "Before the review"', maxlength: '200' }) as HTMLInputElement;
  const refresh = async () => {
    const versions = await api.versions(bs.id);
    list.replaceChildren(
      ...versions
        .slice()
        .reverse()
        .map((v) =>
          h(
            'li',
            { 'data-version': v.id, 'data-kind': v.kind },
            h('span', { class: 'kind' }, KIND[v.kind] ?? v.kind),
            h('strong', { class: 'name' }, v.name),
            h('span', { class: 'who' }, `${v.by} · ${v.role} · ${when(v.at)}`),
            h('button', { class: 'view', onclick: () => void view(v) }, 'View'),
            h('button', { class: 'compare', onclick: () => void compare(v) }, 'Compare with now'),
            h('button', { class: 'restore', onclick: () => void restore(v, null) }, 'Restore'),
          ),
        ),
    );
    if (versions.length === 0) list.append(h('li', { class: 'empty' }, 'No versions yet: save one, or sign off.'));
  };
  const compare = async (v: VersionInfo) => {
    try {
      const diff = await api.versionDiff(bs.id, v.id);
      renderDiff(bs, v, diff.filter((d) => d.changed));
    } catch (e) {
      fail(e);
    }
  };
  const view = async (v: VersionInfo) => {
    try {
      const sections = await api.versionSections(bs.id, v.id);
      detail.dataset.version = v.id;
      detail.replaceChildren(
        h('h3', {}, `“${v.name}” as it read (read-only)`),
        ...(sections.length === 0 ? [h('p', { class: 'hint' }, 'Every section was empty.')] : []),
        ...sections.map(([s, text]) => h('section', { class: 'diff-section version-section', 'data-section': s }, h('div', { class: 'diff-head' }, h('strong', {}, bs.heading(s))), h('p', { class: 'diff-text' }, text))),
      );
    } catch (e) {
      fail(e);
    }
  };
  const restore = async (v: VersionInfo, section: string | null) => {
    const ok = await bs.op({ op: 'restore_version', version: v.id, section });
    if (!ok) return;
    toast(section ? `Restored ${bs.heading(section)} from “${v.name}”` : `Restored “${v.name}”`);
    await refresh();
    await compare(v);
  };
  const renderDiff = (bs: BriefSession, v: VersionInfo, changed: SectionDiff[]) => {
    detail.dataset.version = v.id;
    detail.replaceChildren(
      h('h3', {}, `Changes since “${v.name}”`),
      ...(changed.length === 0
        ? [h('p', { class: 'hint', id: 'history-same' }, 'The brief reads the same as this version.')]
        : changed.map((d) =>
            h(
              'section',
              { class: 'diff-section', 'data-section': d.section },
              h('div', { class: 'diff-head' }, h('strong', {}, bs.heading(d.section)), h('button', { class: 'restore-section', onclick: () => void restore(v, d.section) }, 'Restore this section')),
              h('p', { class: 'diff-text' }, ...d.ops.map((o) => (o.op === 'insert' ? h('ins', { title: o.by.length ? `by ${o.by.join(', ')}` : 'by an unknown author', 'data-by': o.by.join(', ') }, o.text) : o.op === 'delete' ? h('del', {}, o.text) : document.createTextNode(o.text)))),
            ),
          )),
    );
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (!name.value.trim()) return name.focus();
    if (await bs.op({ op: 'save_version', name: name.value })) {
      toast(`Version “${name.value.trim()}” saved`);
      name.value = '';
      await refresh();
    }
  };
  const form = h('form', { class: 'row', id: 'version-save' }, name, h('button', { class: 'primary', type: 'submit' }, 'Save a version'));
  form.addEventListener('submit', (e) => void save(e));
  showDialog('History', h('div', { class: 'stack' }, form, list, detail), { wide: true });
  try {
    await refresh();
  } catch (e) {
    fail(e);
  }
}
