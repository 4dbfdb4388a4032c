// Small DOM helpers. Text from the API always goes in as text nodes, never as HTML.
import { post } from './api.js';

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A problem+json error as the user sees it: title, detail and every field error. */
export function problem(error) {
  return h('div', { class: 'problem', role: 'alert' },
    h('strong', { class: 'problem-title' }, error.title || 'Something went wrong'),
    h('p', { class: 'problem-detail' }, error.detail || String(error.message || error)),
    error.errors && error.errors.length
      ? h('ul', {}, error.errors.map((e) => h('li', {}, `${e.field}: ${e.message}`)))
      : null);
}

/** A decimal string from the API, grouped for reading; never parsed as a float. */
export function decimal(value) {
  const [whole, fraction] = String(value).split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return sign + digits + (fraction !== undefined ? '.' + fraction : '');
}

export function money(value, currency) {
  return `${decimal(value)} ${currency}`;
}

export function time(iso) {
  if (!iso) return '—';
  return h('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString('en-GB', { timeZone: 'UTC', dateStyle: 'medium', timeStyle: 'medium' }) + ' UTC');
}

export function status(value) {
  return h('span', { class: `status status-${String(value).toLowerCase()}` }, value);
}

export function table(headers, rows, caption) {
  return h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows)));
}

export const ACTIONS = {
  retry: { label: 'Retry', from: ['ACTION_REQUIRED', 'UNCOLLECTIBLE'] },
  void: { label: 'Void', from: ['PENDING', 'RETRY_SCHEDULED', 'ACTION_REQUIRED', 'UNCOLLECTIBLE'] },
  'mark-uncollectible': { label: 'Mark uncollectible', from: ['PENDING', 'RETRY_SCHEDULED', 'ACTION_REQUIRED'] },
};

/**
 * Operator buttons for an invoice. Each asks for a reason in a modal dialog, posts the action and
 * hands the updated invoice to {@code done}. Readers get nothing: the API would refuse them anyway.
 */
export function actionButtons(invoice, me, done) {
  if (!me || me.role !== 'operator') return null;
  const names = Object.keys(ACTIONS).filter((a) => ACTIONS[a].from.includes(invoice.status));
  if (!names.length) return null;
  return h('div', { class: 'actions' }, names.map((name) =>
    h('button', {
      type: 'button', class: `action action-${name}`, 'data-action': name,
      'aria-label': `${ACTIONS[name].label} invoice ${invoice.id}`,
      onclick: (e) => askReason(invoice, name, e.currentTarget, done),
    }, ACTIONS[name].label)));
}

function askReason(invoice, name, opener, done) {
  const errorSlot = h('div');
  const reason = h('textarea', { id: 'action-reason', name: 'reason', required: true, maxlength: '500', rows: '3' });
  const dialog = h('dialog', { class: 'reason-dialog', 'aria-labelledby': 'action-title' });
  const close = () => { dialog.close(); dialog.remove(); opener.focus(); };
  const form = h('form', {
    method: 'dialog',
    onsubmit: async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) { reason.focus(); return; }
      submit.disabled = true;
      try {
        const r = await post(`/rest/v1/invoices/${invoice.id}/${name}`, { reason: reason.value.trim() });
        dialog.close(); dialog.remove();
        done(r.data);
      } catch (err) {
        errorSlot.replaceChildren(problem(err));
        submit.disabled = false;
      }
    },
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, `${ACTIONS[name].label} invoice ${invoice.id}`);
  form.append(
    h('h2', { id: 'action-title' }, `${ACTIONS[name].label} invoice ${invoice.id}`),
    h('label', { for: 'action-reason' }, 'Reason (written to the invoice history)'),
    reason, errorSlot,
    h('div', { class: 'buttons' }, submit, h('button', { type: 'button', onclick: close }, 'Cancel')));
  dialog.append(form);
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
  document.body.append(dialog);
  dialog.showModal();
  reason.focus();
}

/** Polls {@code tick} every {@code ms} while the view is on screen and {@code tick} returns true. */
export function poll(view, ms, tick) {
  let timer = null;
  let stopped = false;
  const loop = async () => {
    if (stopped || !view.isConnected) return;
    let again = false;
    try { again = await tick(); } catch (e) { again = true; }
    if (again && !stopped && view.isConnected) timer = setTimeout(loop, ms);
  };
  timer = setTimeout(loop, ms);
  return () => { stopped = true; clearTimeout(timer); };
}
