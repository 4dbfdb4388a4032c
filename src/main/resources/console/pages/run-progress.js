// A billing run with its live progress, shared by the overview and the run page.
import { h, money, decimal, time, status } from '../ui.js';

const ORDER = ['PAID', 'RETRY_SCHEDULED', 'ACTION_REQUIRED', 'UNCOLLECTIBLE', 'VOID', 'PROCESSING', 'PENDING'];

export function runProgress(run) {
  const p = run.progress;
  const pct = p.invoices ? Math.floor((p.settled * 100) / p.invoices) : (run.state === 'FINISHED' ? 100 : 0);
  const elapsed = Number(p.elapsedSeconds);
  const rate = elapsed > 0 ? (p.settled / elapsed).toFixed(1) : '0.0';
  const statuses = Object.keys(p.byStatus).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  return h('div', { class: 'run', 'data-run-id': run.id, 'data-state': run.state },
    h('p', { class: 'run-head' },
      h('a', { href: `#/runs/${run.id}` }, `Run ${run.id}`), ' for period ', h('strong', {}, run.period), ' ', status(run.state)),
    h('div', { class: 'bar-wrap' },
      h('progress', { id: `run-${run.id}-progress`, max: String(p.invoices || 1), value: String(p.settled), 'aria-label': `Run ${run.id}: ${p.settled} of ${p.invoices} invoices settled` }),
      h('span', { class: 'pct', 'data-testid': 'run-percent' }, `${pct}%`)),
    h('dl', { class: 'facts' },
      fact('Invoices', p.invoices, 'run-invoices'),
      fact('Settled', p.settled, 'run-settled'),
      fact('In flight', p.inFlight, 'run-in-flight'),
      fact('Throughput', `${rate} /s`, 'run-throughput'),
      fact('Elapsed', `${decimal(elapsed.toFixed(1))} s`, 'run-elapsed'),
      fact('Started', time(run.startedAt)),
      fact('Finished', time(run.finishedAt))),
    h('h3', {}, 'By outcome'),
    h('dl', { class: 'facts counts' }, statuses.map((s) => fact(s, p.byStatus[s], `run-status-${s}`))),
    h('h3', {}, 'Paid by this run'),
    Object.keys(p.paid).length
      ? h('ul', { class: 'money' }, Object.entries(p.paid).map(([c, v]) => h('li', { 'data-testid': `run-paid-${c}` }, money(v, c))))
      : h('p', {}, 'Nothing paid yet.'));
}

export function fact(label, value, testid) {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', testid ? { 'data-testid': testid } : {}, value));
}
