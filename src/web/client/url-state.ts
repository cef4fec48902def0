// The page and every filter live in the URL (/dashboard/PAGE?from=…&campaigns=…), so a link or a
// reload shows the same view. Changing state pushes a history entry and tells the app to redraw.

export const BASE = '/dashboard';

export function params(): URLSearchParams {
  return new URLSearchParams(window.location.search);
}

export function param(name: string, fallback = ''): string {
  return params().get(name) ?? fallback;
}

export function pageName(): string {
  const rest = window.location.pathname.slice(BASE.length).replace(/^\/+|\/+$/g, '');
  return rest || 'overview';
}

/** Sets (or, with '' / undefined, removes) parameters; `replace` keeps the history entry. */
export function setParams(updates: Record<string, string | undefined>, replace = false): void {
  const next = params();
  for (const [name, value] of Object.entries(updates)) {
    if (value === undefined || value === '') next.delete(name);
    else next.set(name, value);
  }
  const search = next.toString();
  const url = `${window.location.pathname}${search ? `?${search}` : ''}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event('statechange'));
}

/** Goes to another page, keeping the shared filters. */
export function goTo(page: string, keep: readonly string[]): void {
  const current = params();
  const next = new URLSearchParams();
  for (const name of keep) {
    const value = current.get(name);
    if (value) next.set(name, value);
  }
  const search = next.toString();
  history.pushState(null, '', `${BASE}/${page}${search ? `?${search}` : ''}`);
  window.dispatchEvent(new Event('statechange'));
}
