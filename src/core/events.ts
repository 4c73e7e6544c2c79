import type { Uow } from './uow.js';

export interface DomainEvent {
  type: string;
  subjectType: string;
  subjectId: string;
  payload: Record<string, unknown>;
  at: string;
}

export type EventHandler = (uow: Uow, event: DomainEvent) => Promise<void>;

/**
 * In-transaction subscribers: a handler runs inside the transaction that emitted the event, so whatever
 * it schedules (engine jobs, follow-up rows) commits or rolls back together with the change itself.
 * That is the transactional outbox: no event is acted on unless its change committed.
 */
export class EventBus {
  private readonly handlers = new Map<string, EventHandler[]>();

  on(type: string, handler: EventHandler): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
  }

  async dispatch(uow: Uow, event: DomainEvent): Promise<void> {
    for (const h of this.handlers.get(event.type) ?? []) await h(uow, event);
    for (const h of this.handlers.get('*') ?? []) await h(uow, event);
  }
}
