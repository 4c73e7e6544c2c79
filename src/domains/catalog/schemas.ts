import { Type, type Static } from '@sinclair/typebox';
import { Description, Id, Name, Slug, Timestamp } from '../../core/schemas.js';

export const Tier = Type.Integer({ minimum: 1, maximum: 4, description: '1 = most critical' });

export const ServiceLinks = Type.Object(
  {
    repo: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    dashboard: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    docs: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    runbook: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const ServiceRef = Type.Object({ id: Id, slug: Slug, name: Type.String() });

export const Service = Type.Object({
  id: Id,
  slug: Slug,
  name: Type.String(),
  description: Type.String(),
  team: Type.Object({ id: Id, slug: Slug, name: Type.String() }),
  tier: Tier,
  links: ServiceLinks,
  depends_on: Type.Array(ServiceRef),
  dependents: Type.Array(ServiceRef),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type ServiceDto = Static<typeof Service>;

export const ServiceCreate = Type.Object(
  {
    slug: Slug,
    name: Name,
    description: Type.Optional(Description),
    team: Type.String({ minLength: 1, maxLength: 100, description: 'Owning team, by slug or id' }),
    tier: Type.Optional(Tier),
    links: Type.Optional(ServiceLinks),
    depends_on: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 200, description: 'Service slugs or ids' })),
  },
  { additionalProperties: false },
);

export const ServiceUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    team: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    tier: Type.Optional(Tier),
    links: Type.Optional(ServiceLinks),
    depends_on: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 200 })),
  },
  { additionalProperties: false },
);
