// Needs action: invoices an operator must decide on, with the actions right there.
import { page } from '../api.js';
import { actionButtons, h, status } from '../ui.js';
import { invoiceTable } from './invoices.js';
import { disputeTable } from './money-back.js';

const GROUPS = [
  ['ACTION_REQUIRED', 'Blocked: customer not found or currency mismatch', 'The provider refused the charge for a reason a person must fix; retry once fixed.'],
  ['UNCOLLECTIBLE', 'Uncollectible', 'Dunning is exhausted or an operator gave up; retry if the customer can pay now, or void.'],
];

export async function needsAction(view, { query, me }) {
  const note = h('div', { role: 'status', class: 'note', id: 'action-result' });
  view.append(h('h1', {}, 'Needs action'), note);
  if (me.role !== 'operator') {
    view.append(h('p', { class: 'hint' }, `Signed in as a ${me.role}: you can look, an operator key can act.`));
  }
  const more = (name) => (query.get(name) ? '&cursor=' + encodeURIComponent(query.get(name)) : '');
  const [disputes, ...pages] = await Promise.all([
    page(`/rest/v1/disputes?status=OPEN&limit=100${more('DISPUTED')}`),
    ...GROUPS.map(([s]) => page(`/rest/v1/invoices?status=${s}&limit=100${more(s)}`))]);
  GROUPS.forEach(([s, title, hint], i) => {
    const result = pages[i];
    const section = h('section', { 'aria-labelledby': `group-${s}`, 'data-group': s },
      h('h2', { id: `group-${s}` }, title),
      h('p', { class: 'hint' }, hint),
      invoiceTable(result.items, title, {
        headers: ['Last failure', me.role === 'operator' ? 'Actions' : null].filter(Boolean),
        cells: (invoice) => [
          h('td', { class: 'detail' }, invoice.lastFailure || '—'),
          me.role === 'operator' ? h('td', { class: 'actions-cell' }, actionButtons(invoice, me, (updated) => {
            const row = view.querySelector(`tr[data-invoice-id="${updated.id}"]`);
            row.querySelector('.status-cell').replaceChildren(status(updated.status));
            row.querySelector('.actions-cell').replaceChildren(actionButtons(updated, me, () => {}) || '—');
            note.textContent = `Invoice #${updated.id} is now ${updated.status}.`;
          })) : null,
        ].filter(Boolean),
      }));
    if (result.next) {
      const next = new URLSearchParams(query);
      next.set(s, result.next);
      section.append(h('p', {}, h('a', { href: `#/needs-action?${next}`, class: 'button' }, `More ${s}`)));
    }
    view.append(section);
  });
  // Open disputes: the customer's bank is taking the money back. They are answered at the provider,
  // so there is no button here; the outcome comes in by the provider's event or the backstop.
  const disputed = h('section', { 'aria-labelledby': 'group-DISPUTED', 'data-group': 'DISPUTED' },
    h('h2', { id: 'group-DISPUTED' }, 'Disputed at the provider'),
    h('p', { class: 'hint' }, 'A chargeback is open: answer it at the provider with evidence before its deadline. '
      + 'Won, the invoice returns to what it was; lost, the amount is off the books.'),
    disputeTable(disputes.items, 'Open disputes', true));
  if (disputes.next) {
    const next = new URLSearchParams(query);
    next.set('DISPUTED', disputes.next);
    disputed.append(h('p', {}, h('a', { href: `#/needs-action?${next}`, class: 'button' }, 'More disputes')));
  }
  view.append(disputed);
  return null;
}
