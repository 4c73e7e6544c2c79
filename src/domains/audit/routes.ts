import { Type } from '@sinclair/typebox';
import { Page, PageQuery } from '../../core/schemas.js';
import { route } from '../../http/route.js';
import { AuditEntry, listAudit } from './audit.js';

const AuditQuery = Type.Composite([
  PageQuery,
  Type.Object({
    target_type: Type.Optional(Type.String()),
    target_id: Type.Optional(Type.String()),
    actor_id: Type.Optional(Type.String()),
    action: Type.Optional(Type.String()),
  }),
]);

export const auditRoutes = [
  route({ method: 'GET', path: '/api/v1/audit', tag: 'audit', auth: 'user', summary: 'Audit log, newest first (admin)',
    query: AuditQuery, response: Page(AuditEntry), handler: ({ ctx, query }) => listAudit(ctx, query) }),
];
