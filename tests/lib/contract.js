// openapi.yaml as the contract: every response a test receives is checked against it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ROOT } from './pg.js';

export const spec = YAML.parse(readFileSync(join(ROOT, 'openapi.yaml'), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addSchema(spec, 'openapi');

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const escape = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** Every (METHOD, path template) the contract declares. */
export function contractOperations() {
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const m of METHODS) if (item[m]) ops.push(`${m.toUpperCase()} ${path}`);
  }
  return ops.sort();
}

/** The path template of the contract matching a concrete path, or null. */
export function findTemplate(path) {
  for (const template of Object.keys(spec.paths)) {
    const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(path)) return template;
  }
  return null;
}

function deref(obj, pointer) {
  let p = pointer;
  while (obj && obj.$ref) {
    p = obj.$ref.slice(1);
    obj = p.split('/').slice(1).reduce((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return { obj, pointer: p };
}

const validators = new Map();
function validatorFor(pointer) {
  if (!validators.has(pointer)) validators.set(pointer, ajv.compile({ $ref: `openapi#${pointer}` }));
  return validators.get(pointer);
}

/**
 * Throws unless the response is declared for (method, path): its status (or default), content type
 * and, for JSON, body schema. Paths outside the contract (the web app's files) are not checked.
 */
export function checkResponse(method, path, status, contentType, bodyText) {
  const template = findTemplate(path);
  if (!template) return false;
  const op = spec.paths[template][method.toLowerCase()];
  const where = `${method} ${path} -> ${status}`;
  if (!op) {
    if (status !== 405) throw new Error(`${where}: method not in the contract and not a 405`);
    return checkProblem(where, contentType, bodyText);
  }
  const key = op.responses[String(status)] ? String(status) : 'default';
  if (!op.responses[key]) throw new Error(`${where}: status not declared in openapi.yaml`);
  const base = `/paths/${escape(template)}/${method.toLowerCase()}/responses/${key}`;
  const { obj: response, pointer } = deref(op.responses[key], base);
  const media = (contentType || '').split(';')[0].trim();
  if (!response.content) {
    if (bodyText) throw new Error(`${where}: body present but none declared`);
    return true;
  }
  if (!response.content[media]) throw new Error(`${where}: content type ${media} not declared (${Object.keys(response.content)})`);
  if (media.endsWith('json')) {
    const validate = validatorFor(`${pointer}/content/${escape(media)}/schema`);
    const body = JSON.parse(bodyText);
    if (!validate(body)) throw new Error(`${where}: body does not match the contract: ${ajv.errorsText(validate.errors)}\n${bodyText}`);
  }
  return true;
}

function checkProblem(where, contentType, bodyText) {
  if (!(contentType || '').startsWith('application/problem+json')) throw new Error(`${where}: not problem+json`);
  const validate = validatorFor('/components/schemas/Problem');
  if (!validate(JSON.parse(bodyText))) throw new Error(`${where}: ${ajv.errorsText(validate.errors)}`);
  return true;
}
