// Invoices: a filtered, cursor-paginated list, and one invoice with its attempts and history.

import { get, page } from '../api.js';
import { actionButtons, h, money, poll, problem, status, table, time } from '../ui.js';
import { fact } from './run-progress.js';
import { balanceText, creditNoteTable, disputeTable, minor, refundButton, refundTable, refundsOpen } from './money-back.js';

// What a decline said beyond the outcome (issue 28): its code, the card's network, Stripe's
// advice_code and the network's advice and decline codes, which the card network rules read.
function decline(a) {
  const parts = [
    ['code', a.declineCode], ['card', a.cardBrand], ['advice', a.adviceCode],
    ['network advice', a.networkAdviceCode], ['network code', a.networkDeclineCode],
  ].filter(([, v]) => v);
  return parts.length ? parts.map(([k, v]) => `${k} ${v}`).join(' · ') : '—';
}

export const STATUSES = ['PENDING', 'PROCESSING', 'RETRY_SCHEDULED', 'ACTION_REQUIRED', 'UNCOLLECTIBLE', 'VOID', 'PAID',
  'PARTIALLY_REFUNDED', 'REFUNDED', 'DISPUTED'];
const PAGE = 50;

export async function invoices(view, { query }) {
  const filters = { status: query.get('status') || '', customerId: query.get('customerId') || '', period: query.get('period') || '' };
  const select = h('select', { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'Any status'),
    STATUSES.map((s) => h('option', { value: s, selected: s === filters.status }, s)));
  const customer = h('input', { id: 'filter-customer', name: 'customerId', inputmode: 'numeric', pattern: '[0-9]*', value: filters.customerId, size: '8' });
  const period = h('input', { id: 'filter-period', name: 'period', placeholder: 'YYYY-MM', pattern: '[0-9]{4}-[0-9]{2}', value: filters.period, size: '8' });
  const form = h('form', {
    class: 'filters', role: 'search', 'aria-label': 'Filter invoices',
    onsubmit: (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      if (select.value) q.set('status', select.value);
      if (customer.value.trim()) q.set('customerId', customer.value.trim());
      if (period.value.trim()) q.set('period', period.value.trim());
      location.hash = `#/invoices${q.toString() ? '?' + q : ''}`;
    },
  },
  h('div', { class: 'field' }, h('label', { for: 'filter-status' }, 'Status'), select),
  h('div', { class: 'field' }, h('label', { for: 'filter-customer' }, 'Customer id'), customer),
  h('div', { class: 'field' }, h('label', { for: 'filter-period' }, 'Period'), period),
  h('button', { type: 'submit', class: 'primary' }, 'Filter'),
  h('a', { href: '#/invoices', class: 'button' }, 'Clear'));
  view.append(h('h1', {}, 'Invoices'), form);

  const api = new URLSearchParams({ limit: String(PAGE) });
  for (const [k, v] of Object.entries(filters)) if (v) api.set(k, v);
  if (query.get('cursor')) api.set('cursor', query.get('cursor'));
  const result = await page(`/rest/v1/invoices?${api}`);
  view.append(invoiceTable(result.items, 'Invoices'));
  const nav = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  if (query.get('cursor')) {
    // Cursors only point forward; the way back is the browser's own history of pages seen.
    nav.append(h('button', { type: 'button', onclick: () => history.back() }, 'Previous page'), ' ',
      h('a', { href: `#/invoices?${withoutCursor(query)}`, class: 'button' }, 'First page'), ' ');
  }
  if (result.next) {
    const next = new URLSearchParams(query);
    next.set('cursor', result.next);
    nav.append(h('a', { href: `#/invoices?${next}`, class: 'button', id: 'next-page' }, 'Next page'));
  }
  view.append(nav);
  return null;
}

function withoutCursor(query) {
  const q = new URLSearchParams(query);
  q.delete('cursor');
  return q;
}

export function invoiceTable(items, caption, extra) {
  if (!items.length) return h('p', { class: 'empty' }, 'No invoices match.');
  return table(
    ['Invoice', 'Customer', 'Amount', 'Status', 'Period', 'Attempts', 'Updated', ...(extra ? extra.headers : [])],
    items.map((i) => h('tr', { 'data-invoice-id': i.id },
      h('th', { scope: 'row' }, h('a', { href: `#/invoices/${i.id}` }, `#${i.id}`)),
      h('td', {}, h('a', { href: `#/invoices?customerId=${i.customerId}` }, String(i.customerId))),
      h('td', { class: 'num' }, money(amountText(i.amount), i.amount.currency)),
      h('td', { class: 'status-cell' }, status(i.status)),
      h('td', {}, i.billingPeriod),
      h('td', { class: 'num' }, String(i.attemptCount)),
      h('td', {}, time(i.updatedAt)),
      ...(extra ? extra.cells(i) : []))),
    caption);
}

// Minor-unit scale per ISO 4217 code (money.Currency); JSON numbers lose trailing zeros, so the
// exact text comes from minorUnits, never from the float.
const ZERO_DECIMAL = new Set(['JPY']);

/** The invoice's amount as the exact decimal in its currency's scale, from the minor units. */
export function amountText(amount) {
  const scale = ZERO_DECIMAL.has(amount.currency) ? 0 : 2;
  const minor = String(amount.minorUnits).padStart(scale + 1, '0');
  return scale ? `${minor.slice(0, -scale)}.${minor.slice(-scale)}` : minor;
}

export async function invoicePage(view, { params, me }) {
  const id = params[0];
  const load = async () => {
    // Refunds first: a refund and the invoice it moves settle in one transaction, so once the
    // refunds read settled, the invoice, notes and history read after them show the settlement too
    // (read side by side, the page could stop following with the invoice a moment behind).
    const refunds = await get(`/rest/v1/invoices/${id}/refunds`);
    const [inv, hist, atts, notes, disputes] = await Promise.all([
      get(`/rest/v1/invoices/${id}`), get(`/rest/v1/invoices/${id}/history`), get(`/rest/v1/invoices/${id}/attempts`),
      get(`/rest/v1/invoices/${id}/credit-notes`), get(`/rest/v1/invoices/${id}/disputes`)]);
    // The customer's id at the provider (a Stripe customer id), which the charge goes to, and the
    // credit balance its next invoice consumes first.
    const [customer, balance] = await Promise.all([
      get(`/rest/v1/customers/${inv.customerId}`), get(`/rest/v1/customers/${inv.customerId}/credit-balance`)]);
    return { inv, hist, atts, refunds, notes, disputes, customer, balance };
  };
  const note = h('div', { role: 'status', class: 'note', id: 'action-result' });
  let shown = '';
  let watching = false;
  // While a refund waits for the provider, the page follows it until it is settled.
  const watch = (d) => {
    if (watching || !refundsOpen(d.refunds)) return;
    watching = true;
    poll(view, 1000, async () => {
      const next = await load();
      show(next);
      watching = refundsOpen(next.refunds);
      return watching;
    });
  };
  const reload = async () => {
    try {
      const d = await load();
      show(d);
      watch(d);
    } catch (e) {
      view.append(problem(e));
    }
  };
  const show = (d) => {
    const text = JSON.stringify(d);
    if (text === shown) return; // nothing changed: keep focus and scroll where they are
    shown = text;
    const { inv, hist, atts, refunds, notes, disputes, customer, balance } = d;
    const currency = inv.amount.currency;
    view.replaceChildren(h('div', {},
      h('p', { class: 'crumbs' }, h('a', { href: '#/invoices' }, 'Invoices'), ' / ', `#${inv.id}`),
      h('h1', {}, `Invoice #${inv.id} `, status(inv.status)),
      note,
      h('div', { class: 'actions' },
        actionButtons(inv, me, (updated) => {
          note.textContent = `Invoice #${updated.id} is now ${updated.status}.`;
          reload();
        }),
        refundButton(inv, me, (refund) => {
          note.textContent = `Refund ${refund.refundNo} of ${money(amountText(refund.amount), refund.amount.currency)} `
            + 'requested: the workers send it to the provider once; its status is in Refunds below.';
          reload();
        })),
      h('dl', { class: 'facts invoice-facts' },
        fact('Amount', money(amountText(inv.amount), currency), 'invoice-amount'),
        fact('Status', inv.status, 'invoice-status'),
        fact('Customer', h('a', { href: `#/invoices?customerId=${inv.customerId}` }, String(inv.customerId))),
        fact('Provider customer', customer.providerReference ? h('code', {}, customer.providerReference) : 'not mapped',
          'customer-provider-reference'),
        fact('Billing period', inv.billingPeriod),
        fact('Due', inv.dueDate),
        fact('Created', time(inv.createdAt)),
        fact('Updated', time(inv.updatedAt)),
        fact('Paid', time(inv.paidAt)),
        fact('Attempts', String(inv.attemptCount), 'invoice-attempts'),
        fact('Next attempt', time(inv.nextAttemptAt)),
        fact('Last failure', inv.lastFailure || '—'),
        fact('Paid by credit', minor(inv.creditedMinor, currency), 'invoice-credited'),
        fact('Refunded', minor(inv.refundedMinor, currency), 'invoice-refunded'),
        fact('Lost in disputes', minor(inv.lostInDisputesMinor, currency), 'invoice-lost-in-disputes'),
        fact('Customer credit balance', balanceText(balance), 'customer-credit-balance')),
      h('h2', {}, 'Charge attempts'),
      atts.length
        ? table(['#', 'Idempotency key', 'Amount', 'Outcome', 'Decline', 'Provider reference', 'Started', 'Completed'],
          atts.map((a) => h('tr', { 'data-attempt': a.attemptNo },
            h('th', { scope: 'row' }, String(a.attemptNo)),
            h('td', {}, h('code', {}, a.idempotencyKey)),
            h('td', { class: 'num' }, money(amountText(a.amount), a.amount.currency)),
            h('td', {}, status(a.outcome), a.detail ? h('div', { class: 'detail' }, a.detail) : null),
            h('td', { class: 'decline' }, decline(a)),
            h('td', {}, a.providerReference ? h('code', {}, a.providerReference) : '—'),
            h('td', {}, time(a.createdAt)),
            h('td', {}, time(a.completedAt)))), 'Charge attempts')
        : h('p', { class: 'empty' }, 'No charge attempt yet.'),
      h('section', { id: 'refunds', 'aria-labelledby': 'refunds-title' },
        h('h2', { id: 'refunds-title' }, 'Refunds'), refundTable(refunds)),
      h('section', { id: 'credit-notes', 'aria-labelledby': 'credit-notes-title' },
        h('h2', { id: 'credit-notes-title' }, 'Credit notes'), creditNoteTable(notes, refunds)),
      h('section', { id: 'disputes', 'aria-labelledby': 'disputes-title' },
        h('h2', { id: 'disputes-title' }, 'Disputes'), disputeTable(disputes, 'Disputes')),
      h('h2', {}, 'History'),
      h('ol', { class: 'timeline', id: 'timeline' }, hist.map((e) => h('li', { 'data-history-id': e.id },
        h('div', { class: 'when' }, time(e.at)),
        h('div', { class: 'what' }, e.oldStatus ? [status(e.oldStatus), ' → '] : 'created as ', status(e.newStatus)),
        h('div', { class: 'why' }, e.reason || '—'),
        h('div', { class: 'actor' }, e.actor))))));
  };
  const first = await load();
  show(first);
  watch(first);
  return null;
}
