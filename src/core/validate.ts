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
  if (c.Check(input)) return input;
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
