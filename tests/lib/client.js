// A fetch wrapper for API tests: every answer is checked against openapi.yaml before a test sees it.
import { checkResponse } from './contract.js';

export function client(baseUrl) {
  /**
   * request(method, path, { json, body, headers }) -> { status, headers, text, json }
   * json: an object sent as application/json; body: raw text or bytes sent as is.
   */
  async function request(method, path, { json, body, headers = {} } = {}) {
    const h = { ...headers };
    let payload = body;
    if (json !== undefined) {
      payload = JSON.stringify(json);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers: h, body: payload });
    const text = await res.text();
    const type = res.headers.get('content-type') || '';
    checkResponse(method, path.split('?')[0], res.status, type, method === 'HEAD' ? '' : text);
    let parsed = null;
    if (type.includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, text, json: parsed };
  }
  return {
    request,
    get: (p, o) => request('GET', p, o),
    post: (p, o) => request('POST', p, o),
  };
}
