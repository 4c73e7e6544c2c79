import { Type } from '@sinclair/typebox';
import { route } from '../../../http/route.js';
import { TeamLoad, teamLoad, UserLoad, userLoad } from './services.js';

const PeriodQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO-8601; default to − 7 days' })),
  to: Type.Optional(Type.String({ description: 'ISO-8601; default now; at most 93 days after from' })),
});

export const loadRoutes = [
  route({ method: 'GET', path: '/api/v1/users/:id/oncall-load', tag: 'schedules', auth: 'user',
    summary: "A user's on-call load: pages, interruptions by business/off/sleep hours in their time zone, MTTA",
    query: PeriodQuery, response: UserLoad, handler: ({ ctx, params, query }) => userLoad(ctx, params.id!, query) }),
  route({ method: 'GET', path: '/api/v1/teams/:id/oncall-load', tag: 'schedules', auth: 'user',
    summary: "A team's on-call load: totals and per member",
    query: PeriodQuery, response: TeamLoad, handler: ({ ctx, params, query }) => teamLoad(ctx, params.id!, query) }),
];
