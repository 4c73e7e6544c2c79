import { Type } from '@sinclair/typebox';
import { route, type RouteDef } from '../../../http/route.js';
import { runHttpAction } from './http-action.js';
import { ActionResult, HttpActionConfirm, MarkResult, RunDetail, RunFinish, RunListQuery, RunStart, RunStats, RunSummary, StepMark } from './schemas.js';
import { finishRun, getRun, listRuns, markStep, startRun } from './services.js';
import { runStats } from './stats.js';

const tag = 'runbook-runs';

export const runbookRunRoutes: RouteDef[] = [
  route({ method: 'POST', path: '/api/v1/runbook-runs', tag, auth: 'user', summary: 'Start a run of a runbook (its current version), standalone or attached to an incident or alert group',
    body: RunStart, response: RunDetail, status: 201, handler: ({ ctx, body }) => startRun(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/runbook-runs', tag, auth: 'user', summary: 'List runs (filters: runbook, incident, status, started_by)',
    query: RunListQuery, response: Type.Object({ data: Type.Array(RunSummary), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
    handler: ({ ctx, query }) => listRuns(ctx, query) }),
  route({ method: 'GET', path: '/api/v1/runbook-runs/:id', tag, auth: 'user', summary: 'A run with the steps of its pinned version and every mark',
    response: RunDetail, handler: ({ ctx, params }) => getRun(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/runbook-runs/:id/steps/:stepId', tag, auth: 'user', summary: 'Mark a step done, skipped (reason) or failed (note); re-marking keeps history',
    body: StepMark, response: MarkResult, handler: ({ ctx, params, body }) => markStep(ctx, params.id!, params.stepId!, body) }),
  route({ method: 'POST', path: '/api/v1/runbook-runs/:id/steps/:stepId/http-action', tag, auth: 'user', summary: "Call the step's configured HTTP endpoint (after confirmation, SSRF-guarded) and record the result",
    body: HttpActionConfirm, response: ActionResult, handler: ({ ctx, params, body }) => runHttpAction(ctx, params.id!, params.stepId!, body) }),
  route({ method: 'POST', path: '/api/v1/runbook-runs/:id/finish', tag, auth: 'user', summary: 'Finish a run: success (every step done or skipped), failed or aborted',
    body: RunFinish, response: RunDetail, handler: ({ ctx, params, body }) => finishRun(ctx, params.id!, body) }),
  route({ method: 'GET', path: '/api/v1/runbooks/:id/run-stats', tag, auth: 'user', summary: 'Run aggregates of a runbook: runs, success rate, mean duration, most failing steps, last verified',
    response: RunStats, handler: ({ ctx, params }) => runStats(ctx, params.id!) }),
];
