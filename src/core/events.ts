import type { Uow } from './uow.js';

export interface DomainEvent {
  type: string;
  subjectType: string;
  subjectId: string;
  payload: Record<string, unknown>;
  at: string;
}

export type EventHandler = (uow: Uow, event: DomainEvent) => Promise<void>;
export type BatchEventHandler = (uow: Uow, events: DomainEvent[]) => Promise<void>;

/**
 * In-transaction subscribers: a handler runs inside the transaction that emitted the event, so whatever
 * it schedules (engine jobs, follow-up rows) commits or rolls back together with the change itself.
 * That is the transactional outbox: no event is acted on unless its change committed.
 */
export class EventBus {
  private readonly handlers = new Map<string, EventHandler[]>();
  private readonly batchHandlers: Array<{ types: Set<string>; handler: BatchEventHandler }> = [];

  on(type: string, handler: EventHandler): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
  }

  /**
   * Receives all events of one type flushed together (an ingest batch can trigger hundreds of groups),
   * so the subscriber can work set-based: a few statements per batch instead of a few per event.
   */
  onBatch(types: string[], handler: BatchEventHandler): void {
    this.batchHandlers.push({ types: new Set(types), handler });
  }

  /**
   * Dispatches a flushed batch: each batch subscriber once with its events (in emission order), then
   * the per-event subscribers event by event.
   */
  async dispatchAll(uow: Uow, events: DomainEvent[]): Promise<void> {
    for (const { types, handler } of this.batchHandlers) {
      const mine = events.filter((e) => types.has(e.type));
      if (mine.length) await handler(uow, mine);
    }
    for (const e of events) await this.dispatch(uow, e);
  }

  async dispatch(uow: Uow, event: DomainEvent): Promise<void> {
    for (const h of this.handlers.get(event.type) ?? []) await h(uow, event);
    for (const h of this.handlers.get('*') ?? []) await h(uow, event);
  }
}
