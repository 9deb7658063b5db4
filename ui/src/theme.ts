// Light and dark theme.


// ---- theme ---------------------------------------------------------------------------------

export function applyTheme(theme: string | null) {
  const dark = theme ? theme === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}
applyTheme(localStorage.getItem('gw.theme'));

export function toggleTheme() {
  const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem('gw.theme', next);
  applyTheme(next);
}

