import { route } from '../../http/route.js';
import { applyDocument, exportDocument } from './apply.js';
import { ApplyRequest, ApplyResult, OpsDocument } from './schema.js';

export const opsRoutes = [
  route({ method: 'POST', path: '/api/v1/apply', tag: 'ops-as-code', auth: 'user', summary: 'Apply an ops document (what `ballast apply` sends); idempotent',
    body: ApplyRequest, response: ApplyResult, bodyLimit: 10 * 1024 * 1024, handler: ({ ctx, body }) => applyDocument(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/export', tag: 'ops-as-code', auth: 'user', summary: 'Current state as an ops document (what `ballast export` prints)',
    response: OpsDocument, handler: ({ ctx }) => exportDocument(ctx) }),
];
