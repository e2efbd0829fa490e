// PostgreSQL's text type cannot hold U+0000, so a NUL that reached a query used to fail there
// with a 500. Every text input (JSON body keys and values, query string, path parameters) is
// checked once, before validation, and a NUL is a 400 that names the field.
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors';

const NUL = '\u0000';

export const nulInText = (field: string): HttpError =>
  new HttpError(400, 'invalid_text', `${field} contains a NUL character (U+0000), which text fields cannot hold`);

/** Path of the first string (or property name) holding a NUL under `root`, or null. Iterative: bodies may nest deeply. */
export function findNul(root: unknown, rootPath: string): string | null {
  const stack: Array<{ value: unknown; path: string }> = [{ value: root, path: rootPath }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes(NUL)) return path;
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}[${i}]` });
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, v] of Object.entries(value).reverse()) {
        if (key.includes(NUL)) return `a property name in ${path}`;
        stack.push({ value: v, path: `${path}.${key}` });
      }
    }
  }
  return null;
}

export function rejectNulText(req: FastifyRequest): void {
  for (const [value, where] of [[req.params, 'params'], [req.query, 'querystring'], [req.body, 'body']] as const) {
    const field = findNul(value, where);
    if (field) throw nulInText(field);
  }
}
