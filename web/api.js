// The server's API (docs/live-view.md; contract in the project's live API notes): JSON GETs and POSTs with the
// session cookie. Every POST sends Content-Type: application/json, which the server requires (a cross-site form
// cannot send it without a preflight).

/** An HTTP answer that was not 2xx: `status` and the server's `error` text when it sent one. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Listeners called with no argument when the server answers 401 (the session expired, or never existed). */
const unauthorisedListeners = new Set();
export function onUnauthorised(listener) {
  unauthorisedListeners.add(listener);
}

async function answer(response) {
  const text = await response.text();
  let body = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    if (response.status === 401) for (const listener of unauthorisedListeners) listener();
    const message = body && typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return body;
}

export async function getJson(path) {
  const response = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  return answer(response);
}

export async function postJson(path, body = {}) {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return answer(response);
}

/** The URL of a pipeline's sub-resource (the name is encoded: it is a path segment). */
export function pipelineUrl(name, what) {
  return `/api/pipelines/${encodeURIComponent(name)}/${what}`;
}

/** Only snapshot URLs of this server are shown (an event's snapshot_url is data from the server). */
export function isSnapshotUrl(url) {
  return typeof url === 'string' && /^\/api\/snapshots\/[A-Za-z0-9_.-]+\.jpg$/.test(url);
}
