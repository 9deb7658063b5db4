// Dropping a Markdown file onto the window imports it as a new brief and opens it. The web view
// gets the drop itself (tauri.conf.json turns the shell's own drag-and-drop handling off), so
// only the file's text reaches the engine, never a path.
import { fail, toast } from './dialogs/dialog';
import { importText } from './dialogs/import';

const MARKDOWN = /\.(md|markdown|txt)$/i;
/** As src-tauri/src/files.rs MAX_IMPORT_BYTES. */
const MAX_BYTES = 16 << 20;

const carriesFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');

export function watchDrops() {
  document.addEventListener('dragover', (e) => {
    if (!carriesFiles(e)) return; // text dragged within an editor stays the editor's
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    document.body.classList.add('dropping');
  });
  document.addEventListener('dragleave', (e) => {
    if (e.relatedTarget === null) document.body.classList.remove('dropping');
  });
  document.addEventListener('drop', (e) => {
    document.body.classList.remove('dropping');
    if (!carriesFiles(e)) return;
    e.preventDefault();
    void importDropped([...(e.dataTransfer?.files ?? [])]);
  });
}

export async function importDropped(files: File[]) {
  const md = files.filter((f) => MARKDOWN.test(f.name) || f.type === 'text/markdown');
  if (md.length === 0) {
    toast(files.length ? `Only Markdown files (.md) can be dropped here, not ${files[0].name}` : 'Nothing to import', 'error');
    return;
  }
  for (const f of md) {
    if (f.size > MAX_BYTES) {
      toast(`${f.name} is too large to import (at most ${MAX_BYTES >> 20} MB)`, 'error');
      continue;
    }
    try {
      await importText(await f.text());
    } catch (e) {
      fail(e);
    }
  }
}
