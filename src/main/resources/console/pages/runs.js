// Billing runs: the list, a start form for operators, and one run with live progress.
import { all, get, post } from '../api.js';
import { h, poll, problem, status, table, time } from '../ui.js';
import { runProgress } from './run-progress.js';

export async function runs(view, { me }) {
  view.append(h('h1', {}, 'Billing runs'));
  const [list, collection] = await Promise.all([all('/rest/v1/billing-runs?limit=1000'), get('/rest/v1/collection?periods=1')]);
  if (me.role === 'operator') view.append(startForm(collection.currentPeriod));
  view.append(list.length
    ? table(['Run', 'Period', 'State', 'Started by', 'Charge requests', 'Started', 'Finished'],
      list.slice().reverse().map((r) => h('tr', { 'data-run-id': r.id },
        h('th', { scope: 'row' }, h('a', { href: `#/runs/${r.id}` }, `Run ${r.id}`)),
        h('td', {}, r.period), h('td', {}, status(r.state)), h('td', {}, r.startedBy),
        h('td', { class: 'num' }, String(r.enqueued)), h('td', {}, time(r.startedAt)), h('td', {}, time(r.finishedAt)))),
      'Billing runs, newest first')
    : h('p', { class: 'empty' }, 'No billing run yet.'));
  return null;
}

function startForm(currentPeriod) {
  const input = h('input', { id: 'run-period', name: 'period', required: true, pattern: '[0-9]{4}-[0-9]{2}', value: currentPeriod, size: '8', 'aria-describedby': 'run-period-hint' });
  const slot = h('div', { role: 'status' });
  const button = h('button', { type: 'submit', class: 'primary', id: 'start-run' }, 'Start run');
  return h('form', {
    class: 'card start-run', 'aria-labelledby': 'start-title',
    onsubmit: async (e) => {
      e.preventDefault();
      button.disabled = true;
      try {
        const r = await post('/rest/v1/billing-runs', { period: input.value.trim() });
        location.hash = `#/runs/${r.data.id}?${r.status === 201 ? 'started' : 'existing'}=1`;
      } catch (err) {
        slot.replaceChildren(problem(err));
        button.disabled = false;
      }
    },
  },
  h('h2', { id: 'start-title' }, 'Start a run'),
  h('div', { class: 'field' }, h('label', { for: 'run-period' }, 'Billing period'), input),
  h('p', { id: 'run-period-hint', class: 'hint' }, 'YYYY-MM. One run per period, ever: starting a period that has a run opens that run.'),
  button, slot);
}

export async function runPage(view, { params, query }) {
  const id = params[0];
  const slot = h('div', { 'aria-live': 'polite' });
  let run = await get(`/rest/v1/billing-runs/${id}`);
  const notice = query.get('started') ? `Run ${id} for ${run.period} started.`
    : query.get('existing') ? `The period ${run.period} already has run ${id}; here it is.` : null;
  view.append(h('div', {},
    h('p', { class: 'crumbs' }, h('a', { href: '#/runs' }, 'Billing runs'), ' / ', `Run ${id}`),
    h('h1', {}, `Run ${id} (${run.period})`),
    notice ? h('p', { class: 'note', role: 'status', id: 'run-notice' }, notice) : null,
    h('dl', { class: 'facts' },
      h('div', { class: 'fact' }, h('dt', {}, 'Started by'), h('dd', {}, run.startedBy)),
      h('div', { class: 'fact' }, h('dt', {}, 'Cut-off'), h('dd', {}, run.cutoff)),
      h('div', { class: 'fact' }, h('dt', {}, 'Charge requests'), h('dd', {}, String(run.enqueued)))),
    slot));
  slot.replaceChildren(runProgress(run));
  if (run.state === 'FINISHED') return null;
  return poll(view, 1000, async () => {
    try {
      run = await get(`/rest/v1/billing-runs/${id}`);
      slot.replaceChildren(runProgress(run));
    } catch (e) {
      slot.append(problem(e));
    }
    return run.state !== 'FINISHED';
  });
}
