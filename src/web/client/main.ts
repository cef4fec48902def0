// The dashboard: sign in with an API key, then five pages over the Signals server's own APIs. The
// page and its filters live in the URL; every page reloads its data every few seconds while the tab
// is visible, so new events show up without a reload.
import { ApiFailure, api } from './api.js';
import { fill, h } from './dom.js';
import { filterBar, SHARED } from './filters.js';
import { engagement } from './pages/engagement.js';
import { events } from './pages/events.js';
import { integration } from './pages/integration.js';
import { overview } from './pages/overview.js';
import type { Page } from './pages/page.js';
import { summary } from './pages/summary.js';
import { session } from './session.js';
import { BASE, goTo, pageName } from './url-state.js';

const PAGES: Record<string, Page> = { overview, summary, events, engagement, integration };
const REFRESH_MS = 5000;

const app = document.getElementById('app')!;
let refresh: (() => Promise<void>) | undefined;
let generation = 0;

function signIn(message = ''): void {
  refresh = undefined;
  const key = h('input', {
    type: 'password',
    name: 'key',
    autocomplete: 'off',
    required: true,
    size: 40,
    'aria-label': 'API key',
  });
  const error = h('p', { class: 'error', role: 'alert' }, message);
  const form = h(
    'form',
    {
      class: 'signin',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        session.signIn(key.value.trim());
        try {
          await api('/api/v1/signals/health-score', { limit: 1 });
          render();
        } catch (failure) {
          session.signOut();
          fill(
            error,
            failure instanceof ApiFailure && failure.status === 403
              ? 'This key lacks the signals/view grant.'
              : failure instanceof ApiFailure && failure.status === 401
                ? 'This key is not known here.'
                : String(failure),
          );
        }
      },
    },
    h('h1', {}, 'Outpost Signals'),
    h(
      'p',
      {},
      'Sign in with an API key that has the signals/view, metrics/view and message_events/view grants. The key stays in this tab only.',
    ),
    key,
    h('button', { type: 'submit' }, 'Sign in'),
    error,
  );
  fill(app, form);
  key.focus();
}

function nav(current: string): HTMLElement {
  return h(
    'nav',
    {},
    ...Object.entries(PAGES).map(([name, page]) =>
      h(
        'a',
        {
          href: `${BASE}/${name}`,
          class: name === current ? 'current' : undefined,
          'aria-current': name === current ? 'page' : undefined,
          onclick: (e: Event) => {
            e.preventDefault();
            goTo(name, SHARED);
          },
        },
        page.title,
      ),
    ),
  );
}

function render(): void {
  if (!session.key()) {
    signIn();
    return;
  }
  const name = pageName();
  const page = PAGES[name] ?? overview;
  document.title = `${page.title} · Outpost Signals`;
  const view = h('main', { id: 'view', 'data-page': name });
  const status = h('span', { id: 'status', class: 'hint' });
  fill(
    app,
    h(
      'header',
      {},
      h('strong', { class: 'brand' }, 'Outpost Signals'),
      nav(name),
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            session.signOut();
            signIn();
          },
        },
        'Sign out',
      ),
    ),
    filterBar(),
    view,
    h('footer', {}, status),
  );
  const load = page.mount(view);
  const mine = ++generation;
  let running = false;
  refresh = async () => {
    if (running || mine !== generation) return;
    running = true;
    try {
      await load();
      view.dataset.loaded = String(Date.now());
      fill(
        status,
        `Updated ${new Date().toISOString().slice(11, 19)} UTC · refreshes every ${REFRESH_MS / 1000} s`,
      );
    } catch (failure) {
      if (failure instanceof ApiFailure && failure.status === 401)
        return signIn('Signed out: the key is no longer valid.');
      fill(
        status,
        h(
          'span',
          { class: 'error', role: 'alert' },
          `Could not load: ${failure instanceof Error ? failure.message : String(failure)}`,
        ),
      );
    } finally {
      running = false;
    }
  };
  void refresh();
}

window.addEventListener('statechange', render);
window.addEventListener('popstate', render);
// Only while signed in: the sign-in form reports a refused key itself.
window.addEventListener('signed-out', () => refresh && signIn('Signed out: the key is no longer valid.'));
setInterval(() => {
  if (document.visibilityState === 'visible') void refresh?.();
}, REFRESH_MS);
render();
