// Light, dark or the system's choice; Pico CSS reads data-theme on <html>.
const KEY = 'cabinet.theme';
export const THEMES = ['system', 'light', 'dark'];

export function currentTheme() {
  const saved = localStorage.getItem(KEY);
  return THEMES.includes(saved) ? saved : 'system';
}

export function applyTheme(theme = currentTheme()) {
  const root = document.documentElement;
  if (theme === 'system') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', theme);
  localStorage.setItem(KEY, theme);
}
