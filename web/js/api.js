// The calls the web map makes to the leerstand API (same origin). Errors arrive as
// RFC 9457 problem documents; `ApiError` carries their status and detail.

export class ApiError extends Error {
  constructor(status, detail, body = null) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
    this.body = body;
  }
}

let token = null;
/** The planner's bearer token for the calls that follow (null for public calls). */
export function setToken(value) {
  token = value;
}

async function request(method, path, body, as = 'json') {
  const headers = { Accept: 'application/json, application/geo+json, application/problem+json' };
  const form = body instanceof FormData;
  // A form sets its own Content-Type with the multipart boundary.
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
  if (token && path.startsWith('/planner/')) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined || form ? body : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, e.message);
  }
  if (as === 'blob' && response.ok) return response.blob();
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data?.detail || data?.title || response.statusText, data);
  if (response.status === 204) return null;
  return data;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body ?? {});
export const patch = (path, body) => request('PATCH', path, body ?? {});
export const del = (path) => request('DELETE', path);
/** POST of a form (`multipart/form-data`, e.g. with photos). */
export const postForm = (path, form) => request('POST', path, form);
/** A binary answer (a photo) as a Blob; with the planner's token on planner paths. */
export const getBlob = (path) => request('GET', path, undefined, 'blob');

/** A query string of the set (non-empty) parameters. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Every feature of a collection (following pages), optionally filtered. */
export async function allItems(collection, params = {}, max = 10000) {
  const features = [];
  let offset = 0;
  for (;;) {
    const page = await get(`/collections/${collection}/items${query({ ...params, limit: 1000, offset })}`);
    features.push(...page.features);
    offset += page.features.length;
    if (page.features.length === 0 || offset >= (page.numberMatched ?? 0) || offset >= max) break;
  }
  return { type: 'FeatureCollection', features };
}
