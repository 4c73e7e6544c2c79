import { Type } from '@sinclair/typebox';
import { PageQuery, Page } from '../../core/schemas.js';
import { SESSION_COOKIE } from '../../http/auth.js';
import { route } from '../../http/route.js';
import { listTokens, createToken, revokeToken } from './tokens.js';
import { login, logout, resolveSession } from './sessions.js';
import {
  ApiToken,
  ApiTokenCreate,
  ApiTokenCreated,
  LoginRequest,
  MembershipPut,
  PasswordChange,
  SessionInfo,
  Team,
  TeamCreate,
  TeamUpdate,
  User,
  UserCreate,
  UserUpdate,
} from './schemas.js';
import { changePassword, createUser, deactivateUser, getUser, listUsers, loadUser, updateUser } from './users.js';
import { createTeam, deleteTeam, getTeam, listTeams, putMember, removeMember, updateTeam } from './teams.js';
import { errors } from '../../core/errors.js';

const UserQuery = Type.Composite([PageQuery, Type.Object({ q: Type.Optional(Type.String()) })]);

export const accountRoutes = [
  route({
    method: 'POST', path: '/api/v1/auth/login', tag: 'auth', auth: 'public', summary: 'Sign in; sets the session cookie',
    body: LoginRequest, response: SessionInfo, bodyLimit: 16 * 1024,
    handler: async ({ ctx, body, req, reply }) => {
      const r = await login(ctx, body, { ip: req.ip, userAgent: String(req.headers['user-agent'] ?? '') });
      reply.setCookie(SESSION_COOKIE, r.sessionToken, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: req.protocol === 'https',
        expires: r.expiresAt,
      });
      return { user: r.user, csrf_token: r.csrfToken };
    },
  }),
  route({
    method: 'POST', path: '/api/v1/auth/logout', tag: 'auth', auth: 'public', summary: 'Sign out; ends the session', status: 204,
    handler: async ({ ctx, req, reply }) => {
      await logout(ctx, req.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
    },
  }),
  route({
    method: 'GET', path: '/api/v1/auth/me', tag: 'auth', auth: 'user', summary: 'The signed-in user (and CSRF token for sessions)',
    response: SessionInfo,
    handler: async ({ ctx, req }) => {
      if (ctx.actor.kind !== 'user') throw errors.unauthenticated();
      const cookie = req.cookies[SESSION_COOKIE];
      const session = cookie && ctx.actor.via === 'session' ? await resolveSession(ctx.deps, cookie) : null;
      return { user: await loadUser(ctx.deps.db, ctx.actor.userId), csrf_token: session?.csrfToken ?? '' };
    },
  }),

  route({ method: 'GET', path: '/api/v1/users', tag: 'users', auth: 'user', summary: 'List users', query: UserQuery, response: Page(User),
    handler: ({ ctx, query }) => listUsers(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/users', tag: 'users', auth: 'user', summary: 'Create a user (admin)', body: UserCreate, response: User, status: 201,
    handler: ({ ctx, body }) => createUser(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/users/:id', tag: 'users', auth: 'user', summary: 'Get a user by id or email', response: User,
    handler: ({ ctx, params }) => getUser(ctx, params.id!) }),
  route({ method: 'PATCH', path: '/api/v1/users/:id', tag: 'users', auth: 'user', summary: 'Update a user (self or admin)', body: UserUpdate, response: User,
    handler: ({ ctx, params, body }) => updateUser(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/users/:id', tag: 'users', auth: 'user', summary: 'Deactivate a user (admin); history is kept', response: User,
    handler: ({ ctx, params }) => deactivateUser(ctx, params.id!) }),
  route({ method: 'POST', path: '/api/v1/users/:id/password', tag: 'users', auth: 'user', summary: 'Change a password', body: PasswordChange, status: 204,
    bodyLimit: 16 * 1024, handler: ({ ctx, params, body }) => changePassword(ctx, params.id!, body) }),

  route({ method: 'GET', path: '/api/v1/teams', tag: 'teams', auth: 'user', summary: 'List teams', query: PageQuery, response: Page(Team),
    handler: ({ ctx, query }) => listTeams(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/teams', tag: 'teams', auth: 'user', summary: 'Create a team (admin)', body: TeamCreate, response: Team, status: 201,
    handler: ({ ctx, body }) => createTeam(ctx, body) }),
  route({ method: 'GET', path: '/api/v1/teams/:id', tag: 'teams', auth: 'user', summary: 'Get a team by id or slug', response: Team,
    handler: ({ ctx, params }) => getTeam(ctx, params.id!) }),
  route({ method: 'PATCH', path: '/api/v1/teams/:id', tag: 'teams', auth: 'user', summary: 'Update a team (team manager)', body: TeamUpdate, response: Team,
    handler: ({ ctx, params, body }) => updateTeam(ctx, params.id!, body) }),
  route({ method: 'DELETE', path: '/api/v1/teams/:id', tag: 'teams', auth: 'user', summary: 'Delete a team that owns no services (admin)', status: 204,
    handler: ({ ctx, params }) => deleteTeam(ctx, params.id!) }),
  route({ method: 'PUT', path: '/api/v1/teams/:id/members/:user', tag: 'teams', auth: 'user', summary: 'Add a member or change their role (team manager)',
    body: MembershipPut, response: Team, handler: ({ ctx, params, body }) => putMember(ctx, params.id!, params.user!, body) }),
  route({ method: 'DELETE', path: '/api/v1/teams/:id/members/:user', tag: 'teams', auth: 'user', summary: 'Remove a member (team manager)',
    response: Team, handler: ({ ctx, params }) => removeMember(ctx, params.id!, params.user!) }),

  route({ method: 'GET', path: '/api/v1/tokens', tag: 'tokens', auth: 'user', summary: 'List your API tokens (admins: ?user_id=…|all)',
    query: Type.Object({ user_id: Type.Optional(Type.String()) }), response: Type.Object({ data: Type.Array(ApiToken) }),
    handler: ({ ctx, query }) => listTokens(ctx, query) }),
  route({ method: 'POST', path: '/api/v1/tokens', tag: 'tokens', auth: 'user', summary: 'Create an API token; the secret is shown once',
    body: ApiTokenCreate, response: ApiTokenCreated, status: 201, handler: ({ ctx, body }) => createToken(ctx, body) }),
  route({ method: 'DELETE', path: '/api/v1/tokens/:id', tag: 'tokens', auth: 'user', summary: 'Revoke an API token', response: ApiToken,
    handler: ({ ctx, params }) => revokeToken(ctx, params.id!) }),
];
