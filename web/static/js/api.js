// The console's client of its own REST API (/api/v1): JSON in and out, the
// session's CSRF token on every state-changing call, the chosen language in
// Accept-Language so problem messages come back in it.
import {currentLanguage, t} from './i18n.js';

let csrfToken = '';

export function setCsrf(token) {
  csrfToken = token || '';
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || String(status));
    this.status = status;
    this.problem = problem;
    this.field = problem.field || '';
  }
}

export async function api(method, path, body) {
  const headers = {'Accept': 'application/json', 'Accept-Language': currentLanguage()};
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1/${path}`, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, {detail: t('error.network')});
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await response.json() : {};
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Query string from an object, skipping empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== '' && v !== null && v !== undefined && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// Sends a file's bytes as the request body (the register import): the same
// CSRF token and language, the JSON answer or an ApiError.
export async function upload(path, file) {
  let response;
  try {
    response = await fetch(`/api/v1/${path}`, {
      method: 'POST', credentials: 'same-origin', body: file,
      headers: {'Accept': 'application/json', 'Accept-Language': currentLanguage(),
        'X-CSRF-Token': csrfToken, 'Content-Type': 'application/octet-stream'},
    });
  } catch (e) {
    throw new ApiError(0, {detail: t('error.network')});
  }
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await response.json() : {};
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
