// The console: a hash router over pages that read and act through the public REST API.
import { get, session } from './api.js';
import { h, problem } from './ui.js';
import { overview } from './pages/overview.js';
import { invoices, invoicePage } from './pages/invoices.js';
import { needsAction } from './pages/needs-action.js';
import { runs, runPage } from './pages/runs.js';
import { webhooks } from './pages/webhooks.js';

const ROUTES = [
  [/^\/overview$/, 'overview', overview],
  [/^\/invoices$/, 'invoices', invoices],
  [/^\/invoices\/(\d+)$/, 'invoices', invoicePage],
  [/^\/needs-action$/, 'needs-action', needsAction],
  [/^\/runs$/, 'runs', runs],
  [/^\/runs\/(\d+)$/, 'runs', runPage],
  [/^\/webhooks$/, 'webhooks', webhooks],
];

let stop = null;

/** A link like /#key=chk_... signs in, then the key leaves the address bar and the history. */
function takeKeyFromUrl() {
  const match = location.hash.match(/^#key=([^&]+)/);
  if (match) {
    session.clear();
    session.set(decodeURIComponent(match[1]));
    history.replaceState(null, '', `${location.pathname}${location.search}#/overview`);
  }
}

function signIn(main, error) {
  showChrome(false);
  const input = h('input', { id: 'api-key', name: 'key', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'chk_…' });
  const slot = h('div', { id: 'sign-in-error' }, error ? problem(error) : null);
  const form = h('form', {
    class: 'card sign-in',
    onsubmit: async (e) => {
      e.preventDefault();
      session.clear();
      session.set(input.value);
      try {
        session.me = await get('/rest/v1/me');
      } catch (err) {
        session.clear();
        slot.replaceChildren(problem(err));
        input.focus();
        return;
      }
      if (location.hash.startsWith('#/')) render();
      else location.hash = '#/overview'; // renders through hashchange
    },
  },
  h('h1', {}, 'Sign in'),
  h('p', {}, 'Use an API key. It is kept in this tab only (session storage) and sent to the REST API as a Bearer token.'),
  h('label', { for: 'api-key' }, 'API key'),
  input, slot,
  h('button', { type: 'submit', class: 'primary', id: 'sign-in' }, 'Sign in'));
  main.replaceChildren(form);
  input.focus();
}

function showChrome(signedIn) {
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('who').hidden = !signedIn;
  if (signedIn) {
    document.getElementById('who-name').textContent = `${session.me.name} (${session.me.role})`;
    document.body.dataset.role = session.me.role;
  } else {
    delete document.body.dataset.role;
  }
}

async function render() {
  if (stop) { stop(); stop = null; }
  takeKeyFromUrl();
  const main = document.getElementById('main');
  if (!session.key()) return signIn(main);
  if (!session.me) {
    try {
      session.me = await get('/rest/v1/me');
    } catch (e) {
      if (e.status === 401) { session.clear(); return signIn(main, e); }
      main.replaceChildren(problem(e));
      return;
    }
  }
  showChrome(true);
  const [path, search] = location.hash.replace(/^#/, '').split('?');
  const route = ROUTES.find(([re]) => re.test(path || '/overview'));
  for (const link of document.querySelectorAll('#nav a[data-page]')) {
    if (route && link.dataset.page === route[1]) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  // Each render gets a fresh view; a slow page that finishes after the user moved on writes to a
  // detached element and is never seen.
  const view = h('div', { class: 'view' });
  main.replaceChildren(view);
  if (!route) {
    view.append(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/overview' }, 'Back to the overview')));
    return;
  }
  const args = { params: (path || '/overview').match(route[0]).slice(1), query: new URLSearchParams(search || ''), me: session.me };
  try {
    stop = await route[2](view, args);
  } catch (e) {
    view.append(problem(e));
  }
  const heading = view.querySelector('h1');
  if (heading && document.activeElement === document.body) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

document.getElementById('sign-out').addEventListener('click', () => {
  session.clear();
  history.replaceState(null, '', `${location.pathname}#/overview`);
  render();
});
window.addEventListener('hashchange', render);
render();
