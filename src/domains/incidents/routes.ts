import { Type } from '@sinclair/typebox';
import { PageQuery } from '../../core/schemas.js';
import { Page } from '../../core/schemas.js';
import { route, type RouteDef } from '../../http/route.js';
import { AttachGroups, Incident, IncidentDeclare, IncidentDetail, IncidentUpdate, NoteCreate, PageRequestBody, ReopenBody, RoleAssign, StatusChange, TimelineEntry, TimelinePatch } from './model.js';
import {
  acknowledgeIncident,
  addNote,
  assignRole,
  attachAlertGroups,
  changeStatus,
  declareIncident,
  detachAlertGroup,
  getIncident,
  getTimeline,
  listIncidents,
  pageResponders,
  reopenIncident,
  setKeyEvent,
  updateIncident,
} from './services.js';
import { createSeverity, deleteSeverity, getSeverity, listSeverities, Severity, SeverityCreate, SeverityUpdate, updateSeverity } from './severities.js';

const tag = 'incidents';
const IncidentQuery = Type.Composite([
  PageQuery,
  Type.Object({
    status: Type.Optional(Type.String({ description: 'open, or a comma list of investigating, identified, mitigated, resolved' })),
    severity: Type.Optional(Type.String({ description: 'Comma list of severity keys' })),
    service: Type.Optional(Type.String({ description: 'Service slug or id' })),
    team: Type.Optional(Type.String({ description: 'Team slug or id (incidents affecting its services)' })),
    q: Type.Optional(Type.String({ description: 'Text in the title, or INC-<n>' })),
    alert_group: Type.Optional(Type.String({ description: 'Incidents this alert group is linked to' })),
  }),
]);

export const incidentRoutes: RouteDef[] = [
  route({ method: 'GET', path: '/api/v1/incident-severities', tag, auth: 'user', summary: 'Severity definitions and response targets',
    response: Type.Object({ data: Type.Array(Severity) }), handler: ({ ctx }) => listSeverities(ctx) }),
  route({ method: 'POST', path: '/api/v1/incident-severities', tag, auth: 'user', summary: 'Add a severity (admin)', body: SeverityCreate, response: Severity, status: 201,
    handler: ({ ctx, body }) => createSeverity(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/incident-severities/:key', tag, auth: 'user', summary: 'One severity', response: Severity,
    handler: ({ ctx, params }) => getSeverity(ctx, params.key!) }),
  route({ method: 'PATCH', path: '/api/v1/incident-severities/:key', tag, auth: 'user', summary: 'Edit a severity’s definition and targets (admin)', body: SeverityUpdate, response: Severity,
    handler: ({ ctx, params, body }) => updateSeverity(ctx, params.key!, body) }),
  route({ method: 'DELETE', path: '/api/v1/incident-severities/:key', tag, auth: 'user', summary: 'Delete a severity no incident uses (admin)', status: 204,
    handler: ({ ctx, params }) => deleteSeverity(ctx, params.key!) }),

  route({ method: 'GET', path: '/api/v1/incidents', tag, auth: 'user', summary: 'List incidents, newest first', query: IncidentQuery, response: Page(Incident),
    handler: ({ ctx, query }) => listIncidents(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/incidents', tag, auth: 'user', summary: 'Declare an incident (from scratch or promoting alert groups); pages responders',
    body: IncidentDeclare, response: Incident, status: 201, handler: ({ ctx, body }) => declareIncident(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/incidents/:id', tag, auth: 'user', summary: 'Get an incident by id, INC-<n> or <n>', response: IncidentDetail,
    handler: ({ ctx, params }) => getIncident(ctx, params.id!) }),
  route({ method: 'PATCH', path: '/api/v1/incidents/:id', tag, auth: 'user', summary: 'Change title, summary, severity or affected services', body: IncidentUpdate, response: Incident,
    handler: ({ ctx, params, body }) => updateIncident(ctx, params.id!, body) }),
  route({ method: 'POST', path: '/api/v1/incidents/:id/status', tag, auth: 'user', summary: 'Move the incident along Investigating → Identified → Mitigated → Resolved (resolving needs impact)',
    body: StatusChange, response: Incident, handler: ({ ctx, params, body }) => changeStatus(ctx, params.id!, body) }),
  route({ method: 'POST', path: '/api/v1/incidents/:id/acknowledge', tag, auth: 'user', summary: 'Acknowledge the incident (stops its pages)', response: Incident,
    handler: ({ ctx, params, body }) => acknowledgeIncident(ctx, params.id!, body ?? {}) }),
  route({ method: 'POST', path: '/api/v1/incidents/:id/reopen', tag, auth: 'user', summary: 'Reopen a resolved incident', body: ReopenBody, response: Incident,
    handler: ({ ctx, params, body }) => reopenIncident(ctx, params.id!, body ?? {}) }),
  route({ method: 'POST', path: '/api/v1/incidents/:id/roles', tag, auth: 'user', summary: 'Assign (or clear) commander, communications lead or scribe', body: RoleAssign, response: Incident,
    handler: ({ ctx, params, body }) => assignRole(ctx, params.id!, body) }),
  route({ method: 'POST', path: '/api/v1/incidents/:id/alert-groups', tag, auth: 'user', summary: 'Attach alert groups', body: AttachGroups, response: Incident,
    handler: ({ ctx, params, body }) => attachAlertGroups(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/incidents/:id/alert-groups/:groupId', tag, auth: 'user', summary: 'Detach an alert group', response: Incident,
    handler: ({ ctx, params }) => detachAlertGroup(ctx, params.id!, params.groupId!) }),
  route({ method: 'POST', path: '/api/v1/incidents/:id/pages', tag, auth: 'user', summary: 'Page more responders (users, schedules, or the services’ policies again)', body: PageRequestBody, response: Incident,
    handler: ({ ctx, params, body }) => pageResponders(ctx, params.id!, body) }),
  route({ method: 'GET', path: '/api/v1/incidents/:id/timeline', tag, auth: 'user', summary: 'The incident’s timeline, oldest first', query: Type.Object({ key_events: Type.Optional(Type.String()) }),
    response: Type.Object({ data: Type.Array(TimelineEntry) }), handler: ({ ctx, params, query }) => getTimeline(ctx, params.id!, query) }),
  route({ method: 'POST', path: '/api/v1/incidents/:id/timeline', tag, auth: 'user', summary: 'Add a note (Markdown) to the timeline', body: NoteCreate, response: TimelineEntry, status: 201,
    handler: ({ ctx, params, body }) => addNote(ctx, params.id!, body) }),
  route({ method: 'PATCH', path: '/api/v1/incidents/:id/timeline/:entryId', tag, auth: 'user', summary: 'Mark or unmark a timeline entry as a key event', body: TimelinePatch, response: TimelineEntry,
    handler: ({ ctx, params, body }) => setKeyEvent(ctx, params.id!, params.entryId!, body) }),
];
