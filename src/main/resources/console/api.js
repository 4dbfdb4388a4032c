// The console's only way to the server: the public REST API with the signed-in key.

const KEY = 'charon.key';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key.trim()),
  clear: () => { sessionStorage.removeItem(KEY); session.me = null; },
  me: null,
};

/** An API answer that was not 2xx, carrying the problem+json title, detail and field errors. */
export class ApiError extends Error {
  constructor(status, title, detail, errors = []) {
    super(`${title}: ${detail}`);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
  }
}

/** A fresh Idempotency-Key; a form that may send the same request again keeps the one it got. */
export function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'console-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function request(path, { method = 'GET', body, key: requestKey } = {}) {
  const headers = { Accept: 'application/json' };
  const key = session.key();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    // A double click or a retried request is answered once; a caller retrying after an error
    // passes the key it used before, so the server replays instead of acting twice.
    headers['Idempotency-Key'] = requestKey || idempotencyKey();
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'The server cannot be reached', String(e.message || e));
  }
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { /* not problem+json: fall back below */ }
    throw new ApiError(response.status, problem.title || `HTTP ${response.status}`,
      problem.detail || response.statusText || 'The request failed', problem.errors || []);
  }
  return { status: response.status, headers: response.headers, data: await response.json() };
}

export async function get(path) {
  return (await request(path)).data;
}

/** A page of a list: its items and the cursor of the next page, if any. */
export async function page(path) {
  const r = await request(path);
  return { items: r.data, next: r.headers.get('X-Next-Cursor') };
}

/** Every page of a (short) list. */
export async function all(path) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const p = await page(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    items.push(...p.items);
    cursor = p.next;
  } while (cursor);
  return items;
}

export async function post(path, body, { key } = {}) {
  return request(path, { method: 'POST', body, key });
}
