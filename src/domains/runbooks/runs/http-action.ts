import { actorLabel, actorUserId } from '../../../core/actor.js';
import type { Ctx } from '../../../core/context.js';
import { AppError, errors } from '../../../core/errors.js';
import { newId } from '../../../core/ids.js';
import { OutboundBlockedError, OutboundError, safeFetch } from '../../../core/net/ssrf.js';
import { iso } from '../../../core/time.js';
import { transaction } from '../../../core/uow.js';
import { validate } from '../../../core/validate.js';
import { HttpActionConfirm } from './schemas.js';
import { findStep, guidanceFor, insertMark, loadForWork, loadRunRow, type Guidance } from './services.js';
import { runDetail, type ActionDto, type MarkDto, type RunDetailDto } from './views.js';

/** Whole exchange, connect to last byte. */
export const HTTP_ACTION_TIMEOUT_MS = 10_000;
/** Larger responses fail the action. */
export const HTTP_ACTION_MAX_BYTES = 256 * 1024;
/** What is kept of the response body on the record. */
export const HTTP_ACTION_KEPT_CHARS = 4_000;

export interface ActionResult {
  run: RunDetailDto;
  action: ActionDto;
  mark: MarkDto | null;
  guidance: Guidance | null;
}

interface Outcome {
  result: 'succeeded' | 'failed' | 'refused';
  statusCode: number | null;
  body: string;
  truncated: boolean;
  error: string | null;
  durationMs: number;
}

const expected = (status: number, list: number[] | undefined) => (list && list.length ? list.includes(status) : status >= 200 && status < 300);

/**
 * Calls a step's configured endpoint after explicit confirmation, through the SSRF guard, and
 * records what happened. The network call happens between two transactions (never inside one), so
 * a slow endpoint holds no database lock. A refused address is recorded and answered with 422;
 * anything that was actually sent marks the step done or failed by its expected status.
 */
export async function runHttpAction(ctx: Ctx, runId: string, stepId: string, input: unknown): Promise<ActionResult> {
  const body = validate(HttpActionConfirm, input);
  if (body.confirm !== true) throw errors.validation([{ path: '/confirm', message: 'Must be true: HTTP actions run only after confirmation' }], 'Confirm the HTTP action with {"confirm": true}');
  const { run, runbook, version } = await loadForWork(ctx, runId);
  const step = findStep(version, stepId);
  const action = step.http_action;
  if (!action) throw errors.badRequest(`Step '${step.id}' has no HTTP action`);
  if (run.status !== 'running') throw errors.conflict(`This run is finished (${run.status}); finished runs are read-only`, { status: run.status });

  const outcome = await call(ctx, action);

  const { actionId, markId } = await transaction(ctx, async (uow) => {
    const actionId = newId();
    await uow.db
      .insertInto('runbook_run_actions')
      .values({
        id: actionId,
        run_id: run.id,
        step_id: step.id,
        method: action.method,
        url: action.url,
        result: outcome.result,
        status_code: outcome.statusCode,
        duration_ms: outcome.durationMs,
        response_body: outcome.body,
        response_truncated: outcome.truncated ? 1 : 0,
        error: outcome.error,
        actor_user_id: actorUserId(ctx.actor),
        actor_label: actorLabel(ctx.actor),
        at: iso(uow.now),
      })
      .execute();
    await uow.audit({
      action: 'runbook_run.http_action',
      targetType: 'runbook_run',
      targetId: run.id,
      after: { step_id: step.id, method: action.method, url: action.url, result: outcome.result, status_code: outcome.statusCode, error: outcome.error },
    });
    // The revision bump (and row lock) also tells live pages something changed, finished or not.
    const res = await uow.db
      .updateTable('runbook_runs')
      .set((eb) => ({ revision: eb('revision', '+', 1), updated_at: iso(uow.now) }))
      .where('id', '=', run.id)
      .returning(['status', 'revision'])
      .executeTakeFirstOrThrow();
    await uow.emit('runbook_run.http_action', 'runbook_run', run.id, { step_id: step.id, result: outcome.result, revision: Number(res.revision) });
    // A run finished while the request was in flight keeps its record but gets no new mark.
    if (outcome.result === 'refused' || res.status !== 'running') return { actionId, markId: null };
    const note =
      outcome.result === 'succeeded'
        ? `HTTP action ${action.method} ${action.url} answered ${outcome.statusCode}`
        : `HTTP action ${action.method} ${action.url} failed: ${outcome.error ?? `unexpected status ${outcome.statusCode}`}`;
    const markId = await insertMark(uow, run, runbook, step, { outcome: outcome.result === 'succeeded' ? 'done' : 'failed', note, actionId }, Number(res.revision));
    return { actionId, markId };
  });

  if (outcome.result === 'refused') {
    throw new AppError(422, 'outbound_blocked', `HTTP action refused: ${outcome.error}`, { action_id: actionId, url: action.url });
  }
  const detail = await runDetail(ctx.deps.db, await loadRunRow(ctx, runId));
  const stepView = detail.steps.find((s) => s.id === step.id)!;
  const mark = markId ? (stepView.history.find((m) => m.id === markId) ?? null) : null;
  return {
    run: detail,
    action: stepView.actions.find((a) => a.id === actionId)!,
    mark,
    guidance: mark?.outcome === 'failed' ? guidanceFor(step, version) : null,
  };
}

async function call(ctx: Ctx, action: NonNullable<ReturnType<typeof findStep>['http_action']>): Promise<Outcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await safeFetch({ config: ctx.deps.config }, action.url, {
      method: action.method,
      headers: action.headers,
      body: action.body,
      timeoutMs: HTTP_ACTION_TIMEOUT_MS,
      maxBytes: HTTP_ACTION_MAX_BYTES,
    });
    const text = res.text();
    const ok = expected(res.status, action.expect_status);
    return {
      result: ok ? 'succeeded' : 'failed',
      statusCode: res.status,
      body: text.slice(0, HTTP_ACTION_KEPT_CHARS).replace(/\u0000/g, '\uFFFD'),
      truncated: text.length > HTTP_ACTION_KEPT_CHARS,
      error: ok ? null : `expected ${action.expect_status?.length ? action.expect_status.join(', ') : '2xx'}, got ${res.status}`,
      durationMs: elapsed(),
    };
  } catch (err) {
    if (err instanceof OutboundBlockedError) return { result: 'refused', statusCode: null, body: '', truncated: false, error: err.message, durationMs: elapsed() };
    if (err instanceof OutboundError) return { result: 'failed', statusCode: null, body: '', truncated: false, error: err.message, durationMs: elapsed() };
    // A URL that does not parse never left the building.
    if (err instanceof TypeError) return { result: 'refused', statusCode: null, body: '', truncated: false, error: `Invalid URL: ${action.url}`, durationMs: elapsed() };
    throw err;
  }
}
