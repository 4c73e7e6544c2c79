import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { errors, type FieldProblem } from './errors.js';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker<T extends TSchema>(schema: T): TypeCheck<T> {
  let c = compiled.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    compiled.set(schema, c);
  }
  return c as TypeCheck<T>;
}

/**
 * Validates untrusted input against the same TypeBox schema the OpenAPI document publishes.
 * Services call this first, so HTTP, CLI and engine callers get identical checks.
 */
export function validate<T extends TSchema>(schema: T, input: unknown): Static<T> {
  const c = checker(schema);
  if (c.Check(input)) {
    rejectNul(input);
    return input;
  }
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const e of c.Errors(input)) {
    const key = e.path || '/';
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path: key, message: e.message });
    if (problems.length >= 20) break;
  }
  const first = problems[0];
  throw errors.validation(problems, first ? `Invalid field ${first.path}: ${first.message}` : undefined);
}

/**
 * PostgreSQL text cannot hold U+0000 (SQLite can), so a NUL anywhere in a key or value would be a
 * 500 on one database and stored on the other. Refuse it up front as a field error on both.
 */
export function rejectNul(input: unknown, path = ''): void {
  const problems: FieldProblem[] = [];
  const walk = (v: unknown, at: string) => {
    if (problems.length >= 20) return;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) problems.push({ path: at || '/', message: 'Must not contain NUL (U+0000) characters' });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${at}/${i}`));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const child = `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (k.includes('\u0000')) problems.push({ path: child, message: 'Keys must not contain NUL (U+0000) characters' });
        walk(x, child);
      }
    }
  };
  walk(input, path);
  const first = problems[0];
  if (first) throw errors.validation(problems, `Invalid field ${first.path}: ${first.message}`);
}
