import { Type } from '@sinclair/typebox';
import { Page, PageQuery } from '../../core/schemas.js';
import { route } from '../../http/route.js';
import { performAction, showActionPage } from './act.js';
import {
  ContactMethod,
  ContactMethodCreate,
  ContactMethodUpdate,
  createContactMethod,
  createNotificationRule,
  deleteContactMethod,
  deleteNotificationRule,
  listContactMethods,
  listNotificationRules,
  NotificationRule,
  NotificationRuleCreate,
  updateContactMethod,
} from './contacts.js';
import { listNotifications, Notification, sendTestNotification } from './log.js';

export const notifyRoutes = [
  route({ method: 'GET', path: '/api/v1/users/:id/contact-methods', tag: 'notifications', auth: 'user', summary: 'A user’s contact methods (self or admin; id may be "me")',
    response: Type.Object({ data: Type.Array(ContactMethod) }), handler: ({ ctx, params }) => listContactMethods(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/users/:id/contact-methods', tag: 'notifications', auth: 'user',
    summary: 'Add a contact method (email, webhook, slack, teams, sms, voice); a webhook’s signing secret is returned once',
    body: ContactMethodCreate, response: ContactMethod, status: 201, handler: ({ ctx, params, body }) => createContactMethod(ctx, params.id!, body) }),
  route({ method: 'PATCH', path: '/api/v1/contact-methods/:id', tag: 'notifications', auth: 'user', summary: 'Change a contact method’s address or label',
    body: ContactMethodUpdate, response: ContactMethod, handler: ({ ctx, params, body }) => updateContactMethod(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/contact-methods/:id', tag: 'notifications', auth: 'user', summary: 'Delete a contact method and its rules', status: 204,
    handler: ({ ctx, params }) => deleteContactMethod(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/contact-methods/:id/test', tag: 'notifications', auth: 'user', summary: 'Send a test notification now; returns its delivery log entry',
    response: Notification, handler: ({ ctx, params }) => sendTestNotification(ctx, params.id!) }),

  route({ method: 'GET', path: '/api/v1/users/:id/notification-rules', tag: 'notifications', auth: 'user', summary: 'A user’s notification rules',
    response: Type.Object({ data: Type.Array(NotificationRule) }), handler: ({ ctx, params }) => listNotificationRules(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/users/:id/notification-rules', tag: 'notifications', auth: 'user', summary: 'Notify a contact method N minutes into a page of an urgency',
    body: NotificationRuleCreate, response: NotificationRule, status: 201, handler: ({ ctx, params, body }) => createNotificationRule(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/notification-rules/:id', tag: 'notifications', auth: 'user', summary: 'Delete a notification rule', status: 204,
    handler: ({ ctx, params }) => deleteNotificationRule(ctx, params.id!) }),

  route({ method: 'GET', path: '/api/v1/notifications', tag: 'notifications', auth: 'user', summary: 'The notification delivery log, newest first (user=, alert_group_id=)',
    query: Type.Composite([PageQuery, Type.Object({ user: Type.Optional(Type.String()), alert_group_id: Type.Optional(Type.String()) })]),
    response: Page(Notification), handler: ({ ctx, query }) => listNotifications(ctx, query) }),

  route({ method: 'GET', path: '/act/:token', tag: 'notifications', auth: 'public', summary: 'Confirmation page of a signed one-click link (acknowledge/resolve)',
    handler: ({ ctx, params, reply }) => showActionPage(ctx, params.token!, reply) }),
  route({ method: 'POST', path: '/act/:token', tag: 'notifications', auth: 'public', summary: 'Perform a signed one-click action without signing in',
    handler: ({ ctx, params, reply }) => performAction(ctx, params.token!, reply) }),
];
