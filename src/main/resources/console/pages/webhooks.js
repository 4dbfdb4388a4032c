// Webhooks: registered endpoints, the latest failed deliveries, and a retry for each.
import { get, post } from '../api.js';
import { h, problem, status, table, time } from '../ui.js';

function endpointRows(endpoints, me, note, refresh) {
  return endpoints.map((e) => h('tr', { 'data-endpoint-id': e.id },
    h('td', {}, `#${e.id}`),
    h('td', { class: 'detail' }, e.url),
    h('td', {}, e.eventTypes.length ? e.eventTypes.join(', ') : 'all'),
    h('td', { class: 'status-cell' }, status(e.enabled ? 'ENABLED' : 'DISABLED'),
      e.disabledReason ? h('div', { class: 'hint' }, e.disabledReason) : null),
    h('td', {}, e.description || '—'),
    me.role === 'operator' ? h('td', {}, h('button', {
      type: 'button',
      'data-action': e.enabled ? 'disable' : 'enable',
      onclick: async (ev) => {
        ev.target.disabled = true;
        try {
          const body = e.enabled ? { reason: `disabled in the console by ${me.name}` } : {};
          await post(`/rest/v1/webhook-endpoints/${e.id}/${e.enabled ? 'disable' : 'enable'}`, body);
          note.textContent = `Endpoint #${e.id} is now ${e.enabled ? 'disabled' : 'enabled'}.`;
          await refresh();
        } catch (err) {
          note.replaceChildren(problem(err));
          ev.target.disabled = false;
        }
      },
    }, e.enabled ? 'Disable' : 'Enable')) : null));
}

function failureRows(failures, me, note) {
  return failures.map((f) => h('tr', { 'data-delivery-id': f.deliveryId },
    h('td', {}, `#${f.endpointId}`),
    h('td', {}, f.eventType, h('div', { class: 'hint' }, f.eventId)),
    h('td', {}, String(f.attemptNo)),
    h('td', {}, f.statusCode == null ? 'no response' : String(f.statusCode)),
    h('td', { class: 'detail' }, f.error || '—'),
    h('td', {}, time(f.startedAt)),
    h('td', { class: 'state-cell' }, status(f.state), f.nextAttemptAt ? h('div', { class: 'hint' }, 'next ', time(f.nextAttemptAt)) : null),
    me.role === 'operator' ? h('td', {}, h('button', {
      type: 'button',
      'data-action': 'retry-delivery',
      onclick: async (ev) => {
        ev.target.disabled = true;
        try {
          const r = await post(`/rest/v1/webhook-endpoints/${f.endpointId}/deliveries/${f.deliveryId}/retry`, {});
          for (const cell of document.querySelectorAll(`tr[data-delivery-id="${f.deliveryId}"] .state-cell`)) {
            cell.replaceChildren(status(r.data.state));
          }
          note.textContent = `Delivery #${f.deliveryId} is due again now.`;
        } catch (err) {
          note.replaceChildren(problem(err));
          ev.target.disabled = false;
        }
      },
    }, 'Retry')) : null));
}

export async function webhooks(view, { me }) {
  const note = h('div', { role: 'status', class: 'note', id: 'webhook-result' });
  const endpointsSlot = h('div', { id: 'webhook-endpoints' });
  view.append(h('h1', {}, 'Webhooks'), note,
    h('p', { class: 'hint' }, 'Signed Standard Webhooks deliveries of every event. Register endpoints through the API (POST /rest/v1/webhook-endpoints); failed attempts are retried for about three days, then wait here for a retry.'),
    h('h2', {}, 'Endpoints'), endpointsSlot);
  const refresh = async () => {
    const endpoints = await get('/rest/v1/webhook-endpoints');
    endpointsSlot.replaceChildren(endpoints.length
      ? table(['Id', 'URL', 'Events', 'State', 'Description', me.role === 'operator' ? 'Action' : null].filter(Boolean),
        endpointRows(endpoints, me, note, refresh), 'Webhook endpoints')
      : h('p', {}, 'No endpoints registered.'));
  };
  await refresh();
  const failures = await get('/rest/v1/webhook-failures?limit=50');
  view.append(h('h2', {}, 'Recent failures'),
    failures.length
      ? table(['Endpoint', 'Event', 'Attempt', 'Status', 'Error', 'When', 'Delivery', me.role === 'operator' ? 'Action' : null].filter(Boolean),
        failureRows(failures, me, note), 'Recent failed webhook deliveries')
      : h('p', { id: 'no-failures' }, 'No failed deliveries.'));
  return null;
}
