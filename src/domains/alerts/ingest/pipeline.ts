import { Batcher } from '../../../core/batcher.js';
import { perApp } from '../../../core/cache.js';
import { SYSTEM } from '../../../core/actor.js';
import type { AppDeps } from '../../../core/context.js';
import { errors } from '../../../core/errors.js';
import { newId } from '../../../core/ids.js';
import { RateLimiter } from '../../../core/ratelimit.js';
import { transaction } from '../../../core/uow.js';
import { defaultUrgency, type NormalizedEvent } from '../model.js';
import type { ResolvedIntegration } from '../integrations.js';
import { route } from '../routing.js';
import { silencedBy } from '../silences.js';
import { AlertWorkset, type AlertActor, type EventOutcome, type RoutedEvent } from '../workset.js';

export interface IngestOutcome {
  dedupKey: string;
  outcome: EventOutcome | 'dropped_by_rule';
}

interface Prepared {
  event: RoutedEvent;
  actor: AlertActor;
}

/**
 * Inbound events: route and silence-check in the request (CPU only, cached config), then commit through
 * the group-commit batcher. The returned promise settles only after the transaction holding the events
 * has committed, which is what lets ingest endpoints answer 2xx.
 */
export class AlertIngest {
  private readonly batcher: Batcher<Prepared, EventOutcome>;
  private readonly limiter: RateLimiter;

  constructor(private readonly deps: AppDeps) {
    this.limiter = new RateLimiter(deps.config.ingestRateLimit, 1000);
    this.batcher = new Batcher((items) => this.commit(items), 500, (size, ms) => {
      deps.metrics.ingestBatch.observe(size);
      deps.metrics.ingestCommit.observe(ms / 1000);
    });
  }

  /** Throws 429 when this integration is over its request rate. */
  checkRate(integrationId: string): void {
    const wait = this.limiter.hit(integrationId, Date.now());
    if (wait > 0) {
      this.deps.metrics.ingestEvents.inc({ origin: 'any', outcome: 'rate_limited' });
      throw errors.rateLimited(wait);
    }
  }

  async ingest(integration: ResolvedIntegration, events: NormalizedEvent[]): Promise<IngestOutcome[]> {
    const prepared: (Prepared | IngestOutcome)[] = [];
    for (const e of events) {
      const dedupKey = e.dedupKey ?? newId();
      const routed = await route(this.deps, integration.id, integration.serviceId, e);
      if (routed.drop) {
        prepared.push({ dedupKey, outcome: 'dropped_by_rule' });
        continue;
      }
      prepared.push({
        event: {
          action: e.action,
          serviceId: routed.serviceId,
          integrationId: integration.id,
          dedupKey,
          summary: e.summary,
          source: e.source,
          severity: routed.severity,
          urgency: routed.urgency ?? defaultUrgency(routed.severity),
          component: e.component,
          group: e.group,
          class: e.class,
          labels: e.labels,
          details: e.details,
          links: e.links,
          images: e.images,
          client: e.client,
          clientUrl: e.clientUrl,
          silencedBy: e.action === 'trigger' ? await silencedBy(this.deps, routed.serviceId, e.labels) : null,
          raw: e.raw,
        },
        actor: { type: 'integration', id: integration.id, label: `integration:${integration.type}`, origin: e.origin },
      });
    }
    const results = await Promise.all(
      prepared.map(async (p) => ('outcome' in p ? p : { dedupKey: p.event.dedupKey, outcome: await this.batcher.submit(p) })),
    );
    for (let i = 0; i < results.length; i++) this.deps.metrics.ingestEvents.inc({ origin: events[i]!.origin, outcome: results[i]!.outcome });
    return results;
  }

  private async commit(items: Prepared[]): Promise<EventOutcome[]> {
    return transaction({ deps: this.deps, actor: SYSTEM }, async (uow) => {
      const ws = await AlertWorkset.open(uow);
      await ws.loadForEvents(items.map((i) => i.event));
      const out = items.map((i) => ws.apply(i.event, i.actor));
      await ws.flush();
      return out;
    });
  }

  close(): Promise<void> {
    return this.batcher.close();
  }
}

export const alertIngest = (deps: AppDeps) => perApp(deps, 'alerts.ingest', () => new AlertIngest(deps));
