import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { perApp } from '../../core/cache.js';
import type { AppDeps } from '../../core/context.js';
import { fromJson } from '../../core/json.js';
import { route } from '../../http/route.js';
import { requireSignedIn } from '../accounts/authz.js';

const HOLE_WAIT_MS = 10_000;

interface Client {
  reply: FastifyReply;
  prefixes: string[];
}

/**
 * Live updates for the UI. One poller per process tails the `events` table (so changes committed by
 * any instance reach every browser) and fans each new event out as a Server-Sent Event.
 */
class EventTail {
  private readonly clients = new Set<Client>();
  private lastSeq = -1;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  /** Sent events above the cursor, so a re-read after a hole does not send them twice. */
  private readonly sent = new Set<number>();
  private holeSince: number | null = null;

  constructor(private readonly deps: AppDeps) {}

  async add(client: Client): Promise<void> {
    if (this.lastSeq < 0) {
      const row = await this.deps.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirst();
      this.lastSeq = Number(row?.m ?? 0);
    }
    this.clients.add(client);
    client.reply.raw.on('close', () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stop();
    });
    this.timer ??= setInterval(() => void this.poll(), 1000);
  }

  /** Ends every stream so a graceful shutdown is not held open by browsers. */
  closeAll(): void {
    for (const c of this.clients) c.reply.raw.end();
    this.clients.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const rows = await this.deps.db.selectFrom('events').selectAll().where('seq', '>', this.lastSeq).orderBy('seq').limit(1000).execute();
      for (const r of rows) {
        const seq = Number(r.seq);
        if (this.sent.has(seq)) continue;
        this.sent.add(seq);
        const data = JSON.stringify({ seq, at: r.at, type: r.type, subject_type: r.subject_type, subject_id: r.subject_id, payload: fromJson(r.payload, {}) });
        for (const c of this.clients) {
          if (c.prefixes.length && !c.prefixes.some((p) => r.type.startsWith(p))) continue;
          // Unnamed frames: EventSource delivers them all to `onmessage`, so a client needs no list of
          // event names (the type is in the data, and the server already filtered by prefix).
          c.reply.raw.write(`id: ${seq}\ndata: ${data}\n\n`);
        }
      }
      this.advance();
      // Keeps proxies from closing an idle stream.
      if (rows.length === 0) for (const c of this.clients) c.reply.raw.write(': keep-alive\n\n');
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'event stream poll failed');
    } finally {
      this.busy = false;
    }
  }

  /**
   * PostgreSQL hands out sequence numbers at insert time, so a slower transaction can commit a lower
   * number after a higher one was already sent. The cursor therefore only moves over contiguous numbers;
   * a hole is waited for a while (its transaction may still commit) and then skipped (it rolled back).
   */
  private advance(): void {
    const now = Date.now();
    for (;;) {
      const next = this.lastSeq + 1;
      if (this.sent.delete(next)) {
        this.lastSeq = next;
        this.holeSince = null;
        continue;
      }
      if (this.sent.size === 0) return;
      this.holeSince ??= now;
      if (now - this.holeSince < HOLE_WAIT_MS) return;
      // Skip the whole hole at once (a rolled-back batch can leave hundreds of numbers unused).
      this.lastSeq = Math.min(...this.sent) - 1;
      this.holeSince = null;
    }
  }
}

export const closeEventStreams = (deps: AppDeps) => tailOf(deps).closeAll();

const tailOf = (deps: AppDeps) => perApp(deps, 'events.tail', () => new EventTail(deps));

export const streamRoutes = [
  route({
    method: 'GET', path: '/api/v1/events/stream', tag: 'events', auth: 'user',
    summary: 'Server-Sent Events of domain events (types=alert,alert_group,… prefixes); used by the UI for live pages',
    query: Type.Object({ types: Type.Optional(Type.String()) }),
    handler: async ({ ctx, query, reply }) => {
      requireSignedIn(ctx.actor);
      const prefixes = typeof query.types === 'string' && query.types ? query.types.split(',').map((s) => s.trim()).filter(Boolean) : [];
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      reply.raw.write(': connected\n\n');
      await tailOf(ctx.deps).add({ reply, prefixes });
    },
  }),
];
