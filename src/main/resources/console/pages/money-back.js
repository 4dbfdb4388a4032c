// Money back (issue 24): the Refund action, and an invoice's refunds, credit notes and disputes.
import { idempotencyKey, post } from '../api.js';
import { h, money, problem, status, table, time } from '../ui.js';
import { amountText } from './invoices.js';

// The statuses a refund may start from (InvoiceTransition.REFUND_PARTLY); the API decides, this
// only hides a button that would be refused.
export const REFUNDABLE = ['PAID', 'PARTIALLY_REFUNDED'];

/** Minor units of the invoice's currency as its exact decimal text. */
export function minor(units, currency) {
  return money(amountText({ minorUnits: units, currency }), currency);
}

/** The Refund button, for an operator, on an invoice that can give money back. */
export function refundButton(invoice, me, done) {
  if (!me || me.role !== 'operator' || !REFUNDABLE.includes(invoice.status)) return null;
  return h('button', {
    type: 'button', class: 'action action-refund', 'data-action': 'refund',
    'aria-label': `Refund invoice ${invoice.id}`,
    onclick: (e) => askRefund(invoice, e.currentTarget, done),
  }, 'Refund');
}

function askRefund(invoice, opener, done) {
  const currency = invoice.amount.currency;
  // One key for this dialog: a retry after a lost answer is replayed, never refunded twice; a
  // refused request stores nothing, so a corrected one may reuse it.
  const key = idempotencyKey();
  const errorSlot = h('div', { id: 'refund-error' });
  const amount = h('input', {
    id: 'refund-amount', name: 'amount', inputmode: 'decimal', autocomplete: 'off',
    pattern: currency === 'JPY' ? '[0-9]+' : '[0-9]+([.][0-9]{1,2})?', placeholder: 'everything refundable',
    'aria-describedby': 'refund-amount-hint',
  });
  const reason = h('textarea', { id: 'refund-reason', name: 'reason', required: true, maxlength: '500', rows: '3' });
  const dialog = h('dialog', { class: 'reason-dialog refund-dialog', 'aria-labelledby': 'refund-title' });
  const close = () => { dialog.close(); dialog.remove(); opener.focus(); };
  const submit = h('button', { type: 'submit', class: 'primary', id: 'refund-submit' }, `Refund invoice ${invoice.id}`);
  const form = h('form', {
    method: 'dialog',
    onsubmit: async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) { reason.focus(); return; }
      const body = { reason: reason.value.trim() };
      if (amount.value.trim()) body.amount = { value: amount.value.trim(), currency };
      submit.disabled = true;
      try {
        const r = await post(`/rest/v1/invoices/${invoice.id}/refunds`, body, { key });
        dialog.close(); dialog.remove();
        done(r.data);
      } catch (err) {
        errorSlot.replaceChildren(problem(err));
        submit.disabled = false;
      }
    },
  },
  h('h2', { id: 'refund-title' }, `Refund invoice ${invoice.id}`),
  h('p', { class: 'hint' }, 'The refund is reserved at once and sent to the provider by the workers, exactly once. ',
    'Each refund becomes a numbered credit note.'),
  h('label', { for: 'refund-amount' }, `Amount in ${currency}`),
  amount,
  h('p', { class: 'hint', id: 'refund-amount-hint' }, 'Leave empty to refund everything that remains refundable.'),
  h('label', { for: 'refund-reason' }, 'Reason (written to the invoice history and the credit note)'),
  reason, errorSlot,
  h('div', { class: 'buttons' }, submit, h('button', { type: 'button', onclick: close }, 'Cancel')));
  dialog.append(form);
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
  document.body.append(dialog);
  dialog.showModal();
  amount.focus();
}

/** True while a refund of the list still waits for the provider's answer. */
export function refundsOpen(refunds) {
  return refunds.some((r) => r.status === 'REQUESTED' || r.status === 'UNKNOWN');
}

export function refundTable(refunds) {
  if (!refunds.length) return h('p', { class: 'empty', id: 'refunds-empty' }, 'No refund.');
  return table(['#', 'Amount', 'Status', 'Source', 'Reason', 'Actor', 'Provider reference', 'Requested', 'Settled'],
    refunds.map((r) => h('tr', { 'data-refund-id': r.id },
      h('th', { scope: 'row' }, String(r.refundNo)),
      h('td', { class: 'num' }, money(amountText(r.amount), r.amount.currency)),
      h('td', { class: 'refund-status' }, status(r.status), r.failure ? h('div', { class: 'detail' }, r.failure) : null),
      h('td', {}, r.source),
      h('td', { class: 'detail' }, r.reason),
      h('td', {}, r.actor),
      h('td', {}, r.providerReference ? h('code', {}, r.providerReference) : '—'),
      h('td', {}, time(r.createdAt)),
      h('td', {}, time(r.settledAt)))), 'Refunds');
}

/** Credit notes; a refund's note names the refund by its number on the invoice, as its table does. */
export function creditNoteTable(notes, refunds = []) {
  if (!notes.length) return h('p', { class: 'empty', id: 'credit-notes-empty' }, 'No credit note.');
  const numbers = new Map(refunds.map((r) => [r.id, r.refundNo]));
  return table(['Number', 'Kind', 'Amount', 'Reason', 'Actor', 'Issued'],
    notes.map((n) => h('tr', { 'data-credit-note-id': n.id },
      h('th', { scope: 'row', class: 'credit-note-number' }, n.number),
      h('td', {}, n.kind === 'REFUND' ? `Refund ${numbers.get(n.refundId) ?? `id ${n.refundId}`}` : 'Credit to the balance'),
      h('td', { class: 'num' }, money(amountText(n.amount), n.amount.currency)),
      h('td', { class: 'detail' }, n.reason),
      h('td', {}, n.actor),
      h('td', {}, time(n.issuedAt)))), 'Credit notes');
}

/** Disputes; with {@code withInvoice}, a column links each to its invoice (Needs action). */
export function disputeTable(disputes, caption, withInvoice = false) {
  if (!disputes.length) return h('p', { class: 'empty' }, withInvoice ? 'No open dispute.' : 'No dispute.');
  return table(['Dispute', ...(withInvoice ? ['Invoice', 'Customer'] : []), 'Amount', 'Status', 'Opened', 'Closed'],
    disputes.map((d) => h('tr', { 'data-dispute-id': d.id },
      h('th', { scope: 'row' }, h('code', {}, d.providerDisputeId)),
      ...(withInvoice ? [
        h('td', {}, h('a', { href: `#/invoices/${d.invoiceId}` }, `#${d.invoiceId}`)),
        h('td', {}, h('a', { href: `#/invoices?customerId=${d.customerId}` }, String(d.customerId)))] : []),
      h('td', { class: 'num' }, money(amountText(d.amount), d.amount.currency)),
      h('td', { class: 'dispute-status' }, status(d.status)),
      h('td', {}, time(d.openedAt)),
      h('td', {}, time(d.closedAt)))), caption);
}

/** The customer's credit balance, every currency it holds (zero once spent). */
export function balanceText(balances) {
  const held = balances.filter((b) => b.minorUnits > 0);
  if (!held.length) return 'none';
  return held.map((b) => minor(b.minorUnits, b.currency)).join(', ');
}
