import { Type, type Static } from '@sinclair/typebox';
import { Description, Email, Id, Name, Nullable, Slug, TimeZone, Timestamp } from '../../core/schemas.js';
import { TEAM_ROLES } from './authz.js';

export const TeamRoleSchema = Type.Union(TEAM_ROLES.map((r) => Type.Literal(r)));
export const Password = Type.String({ minLength: 12, maxLength: 1024, description: 'At least 12 characters' });

export const User = Type.Object({
  id: Id,
  email: Email,
  name: Type.String(),
  timezone: Type.String(),
  is_admin: Type.Boolean(),
  disabled: Type.Boolean(),
  teams: Type.Record(Type.String(), TeamRoleSchema, { description: 'team slug → role' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type UserDto = Static<typeof User>;

export const UserCreate = Type.Object(
  {
    email: Email,
    name: Name,
    timezone: Type.Optional(TimeZone),
    password: Type.Optional(Password),
    is_admin: Type.Optional(Type.Boolean()),
    teams: Type.Optional(Type.Record(Slug, TeamRoleSchema)),
  },
  { additionalProperties: false },
);

export const UserUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    timezone: Type.Optional(TimeZone),
    is_admin: Type.Optional(Type.Boolean()),
    disabled: Type.Optional(Type.Boolean()),
    teams: Type.Optional(Type.Record(Slug, TeamRoleSchema)),
  },
  { additionalProperties: false },
);

export const PasswordChange = Type.Object(
  { current_password: Type.Optional(Type.String({ maxLength: 1024 })), new_password: Password },
  { additionalProperties: false },
);

export const TeamMember = Type.Object({ user_id: Id, email: Email, name: Type.String(), role: TeamRoleSchema });

export const Team = Type.Object({
  id: Id,
  slug: Slug,
  name: Type.String(),
  description: Type.String(),
  members: Type.Array(TeamMember),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type TeamDto = Static<typeof Team>;

export const TeamCreate = Type.Object(
  { slug: Slug, name: Name, description: Type.Optional(Description) },
  { additionalProperties: false },
);
export const TeamUpdate = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Description) },
  { additionalProperties: false },
);
export const MembershipPut = Type.Object({ role: TeamRoleSchema }, { additionalProperties: false });

export const LoginRequest = Type.Object(
  { email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);
export const SessionInfo = Type.Object({ user: User, csrf_token: Type.String() });

export const ApiToken = Type.Object({
  id: Id,
  user_id: Id,
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the token, to recognise it' }),
  created_at: Timestamp,
  expires_at: Nullable(Timestamp),
  last_used_at: Nullable(Timestamp),
  revoked_at: Nullable(Timestamp),
});
export const ApiTokenCreate = Type.Object(
  {
    name: Name,
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    user_id: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export const ApiTokenCreated = Type.Composite([
  ApiToken,
  Type.Object({ token: Type.String({ description: 'Shown once; store it now' }) }),
]);
