import type { TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Ctx } from '../core/context.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteInput {
  ctx: Ctx;
  body: unknown;
  query: Record<string, unknown>;
  params: Record<string, string>;
  req: FastifyRequest;
  reply: FastifyReply;
}

/**
 * A route is a checklist: who may call it (auth), what it accepts (schemas, published in OpenAPI),
 * and one service call. Validation and authorization happen in the service, never here.
 */
export interface RouteDef {
  method: Method;
  /** Fastify-style path, e.g. `/api/v1/services/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** `user`: credentials required (401 otherwise). `public`: credentials optional. */
  auth: 'user' | 'public';
  body?: TSchema;
  query?: TSchema;
  response?: TSchema;
  /** Success status; 204 sends no body. */
  status?: number;
  bodyLimit?: number;
  /** Parse the body as JSON whatever its Content-Type says (sender-facing ingest endpoints). */
  anyContentType?: boolean;
  handler(input: RouteInput): Promise<unknown>;
}

export const route = (def: RouteDef): RouteDef => def;
