// Overview: the current (or last) run live, money collected this period, 12 periods charted.
import uPlot from 'uplot';
import { all, get } from '../api.js';
import { decimal, h, money, poll, problem, table, time } from '../ui.js';
import { runProgress } from './run-progress.js';

export async function overview(view) {
  const runSlot = h('section', { 'aria-labelledby': 'run-title', 'aria-live': 'polite', 'aria-busy': 'false' });
  const numbers = h('section', { 'aria-labelledby': 'period-title' });
  const chart = h('section', { 'aria-labelledby': 'chart-title' });
  const audit = h('section', { 'aria-labelledby': 'audit-title', 'data-testid': 'audit' });
  view.append(h('h1', {}, 'Overview'), h('div', { class: 'grid' }, runSlot, numbers), audit, chart);
  showAudit(audit);

  const [collection, runs] = await Promise.all([get('/rest/v1/collection?periods=12'), all('/rest/v1/billing-runs?limit=1000')]);
  const current = runs.find((r) => r.period === collection.currentPeriod) || runs[runs.length - 1];
  showNumbers(numbers, collection);
  showChart(chart, collection);
  if (!current) {
    runSlot.append(h('h2', { id: 'run-title' }, 'Billing run'), h('p', {}, 'No billing run yet. ', h('a', { href: '#/runs' }, 'Start one')));
    return null;
  }
  const showRun = (run) => runSlot.replaceChildren(
    h('h2', { id: 'run-title' }, run.period === collection.currentPeriod ? 'Current billing run' : 'Last billing run'),
    runProgress(run));
  let run = await get(`/rest/v1/billing-runs/${current.id}`);
  showRun(run);
  if (run.state === 'FINISHED') return null;
  return poll(view, 1000, async () => {
    try {
      const [next, again] = await Promise.all([get(`/rest/v1/billing-runs/${current.id}`), get('/rest/v1/collection?periods=12')]);
      run = next;
      showRun(run);
      showNumbers(numbers, again);
      showChart(chart, again);
    } catch (e) {
      runSlot.append(problem(e));
    }
    return run.state !== 'FINISHED';
  });
}

function showNumbers(section, collection) {
  const period = collection.periods[collection.periods.length - 1];
  const collected = Object.entries(period.collected);
  section.replaceChildren(
    h('h2', { id: 'period-title' }, `Collected in ${collection.currentPeriod}`),
    collected.length
      ? h('ul', { class: 'money big' }, collected.map(([c, v]) => h('li', { 'data-testid': `collected-${c}` }, money(v, c))))
      : h('p', { 'data-testid': 'collected-none' }, 'Nothing collected in this period yet.'),
    h('p', {}, 'Collection rate: ', h('strong', { 'data-testid': 'collection-rate' }, rate(period.collectionRate))),
    h('p', { class: 'needs-action' },
      h('a', { href: '#/needs-action', 'data-testid': 'needs-action-link' },
        h('strong', { 'data-testid': 'needs-action-count' }, String(collection.needsAction)),
        collection.needsAction === 1 ? ' invoice needs action' : ' invoices need action')));
}

// The standing audit's last result (GET /rest/v1/audits/last): the database against the provider.
async function showAudit(section) {
  const title = h('h2', { id: 'audit-title' }, 'Last audit');
  let found;
  try {
    found = await get('/rest/v1/audits/last');
  } catch (e) {
    section.replaceChildren(title, e.status === 404
      ? h('p', { 'data-testid': 'audit-none' }, 'No audit has run yet: a server runs one every CHARON_AUDIT_INTERVAL once it knows the provider\'s ledger.')
      : problem(e));
    return;
  }
  const { last, lastCompleted } = found;
  const summary = {
    RECONCILES: 'Everything reconciles with the provider.',
    DIFFERENCES: `${last.totalDifferences} difference(s) with the provider: see the runbook "CharonAuditDifferences".`,
    FAILED: `Could not read the provider's ledger: ${last.error}`,
  }[last.outcome];
  const kinds = Object.entries(last.differences).filter(([, n]) => n > 0);
  section.replaceChildren(
    title,
    h('p', {}, h('strong', { 'data-testid': 'audit-outcome', class: `audit-${last.outcome.toLowerCase()}` }, last.outcome), ' ', summary),
    h('p', {}, 'Finished ', time(last.finishedAt), ` by ${last.ranBy}`,
      last.outcome === 'FAILED' && lastCompleted ? ` (last completed: ${lastCompleted.outcome}, ${lastCompleted.totalDifferences} difference(s))` : ''),
    kinds.length
      ? table(['Kind', 'Invoices', 'e.g.'], kinds.map(([kind, n]) => h('tr', { 'data-kind': kind },
        h('th', { scope: 'row' }, kind), h('td', { class: 'num' }, String(n)),
        h('td', {}, (last.examples[kind] || []).map((id) => h('a', { href: `#/invoices/${id}` }, `#${id} `))))), 'Differences by kind')
      : '');
}

function rate(value) {
  return value == null ? '—' : `${(Number(value) * 100).toFixed(1)}%`;
}

function showChart(section, collection) {
  const periods = collection.periods;
  const currencies = [...new Set(periods.flatMap((p) => Object.keys(p.collected)))].sort();
  const rows = periods.map((p) => h('tr', { 'data-period': p.period },
    h('th', { scope: 'row' }, p.period),
    h('td', { class: 'num' }, String(p.invoices)),
    h('td', { class: 'num' }, String(p.paid)),
    h('td', { class: 'num' }, rate(p.collectionRate)),
    currencies.map((c) => h('td', { class: 'num', 'data-currency': c }, p.collected[c] == null ? '—' : decimal(p.collected[c])))));
  const plot = h('div', { class: 'chart', role: 'img', 'aria-label': 'Collected amount per currency and collection rate for the last 12 billing periods; the table below has the same numbers' });
  section.replaceChildren(
    h('h2', { id: 'chart-title' }, 'Last 12 billing periods'),
    plot,
    table(['Period', 'Invoices', 'Paid', 'Collection rate', ...currencies.map((c) => `Collected ${c}`)], rows, 'Invoices and money collected per billing period'));
  const colors = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#db2777', '#0891b2'];
  const data = [
    periods.map((p) => Date.UTC(Number(p.period.slice(0, 4)), Number(p.period.slice(5)) - 1, 1) / 1000),
    // The chart is only a picture: amounts become floats here and nowhere else.
    ...currencies.map((c) => periods.map((p) => (p.collected[c] == null ? null : Number(p.collected[c])))),
    periods.map((p) => (p.collectionRate == null ? null : Number(p.collectionRate) * 100)),
  ];
  const width = Math.max(280, Math.min(section.clientWidth || 900, 1100) - 8);
  const opts = {
    width,
    height: 260,
    scales: { x: { time: true }, rate: { range: [0, 100] } },
    axes: [
      { values: (u, ticks) => ticks.map((t) => new Date(t * 1000).toISOString().slice(0, 7)) },
      { label: 'Collected', size: 70 },
      { scale: 'rate', side: 1, label: 'Rate %', grid: { show: false } },
    ],
    series: [
      { label: 'Period', value: (u, t) => (t == null ? '' : new Date(t * 1000).toISOString().slice(0, 7)) },
      ...currencies.map((c, i) => ({ label: c, stroke: colors[i % colors.length], width: 2, points: { show: true } })),
      { label: 'Rate %', scale: 'rate', stroke: '#111827', dash: [6, 4], width: 2, value: (u, v) => (v == null ? '—' : `${v.toFixed(1)}%`) },
    ],
  };
  const chart = new uPlot(opts, data, plot);
  // Follow the page's width (a rotated phone, a resized window) without redrawing the data.
  new ResizeObserver(() => {
    const w = Math.max(280, Math.min(plot.clientWidth, 1100) - 8);
    if (Math.abs(w - chart.width) > 4) chart.setSize({ width: w, height: 260 });
  }).observe(plot);
}
