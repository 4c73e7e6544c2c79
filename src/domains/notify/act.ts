import type { FastifyReply } from 'fastify';
import type { Actor } from '../../core/actor.js';
import type { Ctx } from '../../core/context.js';
import { AppError } from '../../core/errors.js';
import { actOnGroup } from '../alerts/actions.js';
import { verifyActionToken, type ActionClaims } from './links.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; form-action 'self'")
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${esc(title)}</title>` +
        `<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{font-size:1.1rem;padding:.6rem 1.4rem}</style></head>` +
        `<body><h1>${esc(title)}</h1>${body}</body></html>`,
    );
}

/** People following the link get a page; any other client gets Ballast's JSON error shape. */
function errorPage(reply: FastifyReply, err: unknown): FastifyReply {
  const wantsHtml = String(reply.request.headers.accept ?? '').includes('text/html');
  if (err instanceof AppError && wantsHtml) return page(reply, err.status, err.status === 410 ? 'Link expired' : 'Cannot do that', `<p>${esc(err.message)}</p>`);
  throw err;
}

/** The token's user, if they may still act: exists and is not disabled. */
async function linkActor(ctx: Ctx, claims: ActionClaims): Promise<Actor> {
  const u = await ctx.deps.db.selectFrom('users').select(['id', 'email', 'is_admin', 'disabled']).where('id', '=', claims.userId).executeTakeFirst();
  if (!u || u.disabled) throw new AppError(403, 'invalid_link', 'The user this link was sent to can no longer act');
  return { kind: 'user', userId: u.id, email: u.email, isAdmin: !!u.is_admin, via: 'token' };
}

/**
 * GET shows a confirmation only: mail scanners and chat unfurlers open links, and must not
 * acknowledge anything. The button POSTs with an empty body (no form encoding the API would refuse).
 */
export async function showActionPage(ctx: Ctx, token: string, reply: FastifyReply): Promise<FastifyReply> {
  try {
    const claims = await verifyActionToken(ctx.deps.db, token, ctx.deps.clock.now());
    await linkActor(ctx, claims);
    const g = await ctx.deps.db.selectFrom('alert_groups').select(['title', 'status']).where('id', '=', claims.alertGroupId).executeTakeFirst();
    if (!g) throw new AppError(404, 'not_found', 'The alert group no longer exists');
    const verb = claims.action === 'acknowledge' ? 'Acknowledge' : 'Resolve';
    return page(
      reply,
      200,
      `${verb} alert?`,
      `<p><strong>${esc(g.title)}</strong></p><p>Current status: ${esc(g.status)}</p>` +
        `<p><button id="go">${verb}</button></p><p id="out"></p>` +
        `<script>document.getElementById('go').onclick=function(){this.disabled=true;fetch(location.pathname,{method:'POST',headers:{accept:'text/html'}}).then(function(r){return r.text()}).then(function(h){document.open();document.write(h);document.close()})}</script>` +
        `<noscript><p>JavaScript is needed for this button; or open Ballast and ${verb.toLowerCase()} the alert there.</p></noscript>`,
    );
  } catch (err) {
    return errorPage(reply, err);
  }
}

/** POST performs the action as the user the link was sent to, through the alerts service (authorization, audit). */
export async function performAction(ctx: Ctx, token: string, reply: FastifyReply): Promise<FastifyReply> {
  try {
    const claims = await verifyActionToken(ctx.deps.db, token, ctx.deps.clock.now());
    const actor = await linkActor(ctx, claims);
    const group = await actOnGroup({ ...ctx, actor }, claims.alertGroupId, claims.action, 'api');
    const done = claims.action === 'acknowledge' ? 'Acknowledged' : 'Resolved';
    return page(reply, 200, done, `<p><strong>${esc(group.title)}</strong> is now ${esc(group.status)}.</p>`);
  } catch (err) {
    return errorPage(reply, err);
  }
}
