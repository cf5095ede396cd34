// The admin API from the browser: the token lives in this tab's session storage and travels only in the
// Authorization header of same-origin requests.
const TOKEN_KEY = 'hc-admin-token';

export const adminToken = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let unauthorized = () => {};

/** What to do when the API refuses the token (sign out). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/** Calls the admin API; answers the parsed JSON (or text for `accept` other than JSON), throws ApiError. */
export async function api(path, { method = 'GET', body, accept = 'application/json' } = {}) {
  const headers = { Authorization: `Bearer ${adminToken.get() ?? ''}`, Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
    credentials: 'same-origin',
  });
  if (res.status === 401) {
    unauthorized();
    throw new ApiError(401, 'The admin token was refused');
  }
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const problem = await res.json();
      message = Array.isArray(problem.message) ? problem.message.join('; ') : (problem.message ?? message);
    } catch {
      // not JSON: keep the status
    }
    throw new ApiError(res.status, message);
  }
  if (res.status === 204) return undefined;
  return accept === 'application/json' ? res.json() : res.text();
}

/** A query string from the non-empty values of `params`. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') q.set(key, String(value));
  const text = q.toString();
  return text ? `?${text}` : '';
}
