import { sql } from 'kysely';
import { newId } from '../../core/ids.js';
import { toJson } from '../../core/json.js';
import { addMs, iso } from '../../core/time.js';
import type { Uow } from '../../core/uow.js';
import { scheduleJobs, type JobSpec } from '../../engine/jobs.js';
import { insertRows, pairIn, updateRows, whereIn } from '../../db/bulk.js';
import type { AlertEventsTable, AlertGroupsTable, AlertsTable } from '../../db/schema.js';
import { SEVERITY_RANK, type Severity, type Urgency } from './model.js';
import { settingsFor, type AlertSettingsT } from './settings.js';
import { labelsFingerprint } from './ingest/webhooks.js';

/** Who caused an alert change, as recorded in the alert's event log. */
export interface AlertActor {
  type: 'integration' | 'user' | 'system';
  id: string | null;
  label: string;
  /** Where it came from: pagerduty, alertmanager, grafana, generic, api, ui, cli, engine. */
  origin: string;
}

/** A trigger/ack/resolve event already routed to a service. */
export interface RoutedEvent {
  action: 'trigger' | 'acknowledge' | 'resolve';
  serviceId: string;
  integrationId: string | null;
  dedupKey: string;
  summary: string;
  source: string;
  severity: Severity;
  urgency: Urgency;
  component: string | null;
  group: string | null;
  class: string | null;
  labels: Record<string, string>;
  details: Record<string, unknown>;
  links: unknown[];
  images: unknown[];
  client: string | null;
  clientUrl: string | null;
  silencedBy: string | null;
  raw: unknown;
}

export type EventOutcome = 'created' | 'updated' | 'dropped';

interface Tracked<T> {
  row: T;
  isNew: boolean;
  dirty: boolean;
}

/** What the state machine reads and writes of an existing alert; its payload columns are never reloaded. */
const ALERT_STATE = [
  'id',
  'service_id',
  'group_id',
  'dedup_key',
  'status',
  'severity',
  'urgency',
  'silenced_by',
  'trigger_count',
  'last_seen_at',
  'acknowledged_at',
  'acknowledged_by',
  'resolved_at',
  'resolved_by',
  'updated_at',
] as const;
export type AlertState = Pick<AlertsTable, (typeof ALERT_STATE)[number]>;
const ALERT_UPDATED = ALERT_STATE.filter((c) => !['id', 'service_id', 'group_id', 'dedup_key', 'urgency'].includes(c));

const LOCK = 'ballast.alerts';
const CHUNK = 256;
const k = (serviceId: string, key: string) => `${serviceId}\u0000${key}`;

/**
 * The one place alert and alert-group state changes. Ingest batches, people acknowledging from the UI,
 * and engine timeouts all load a working set, apply transitions in memory, and flush with a handful of
 * set-based statements — so a batch of 500 events costs about as many round trips as one event.
 *
 * Writers are serialised (advisory lock on PostgreSQL, the single writer on SQLite): two instances can
 * never both open an alert for one dedup key, and counters never lose an update.
 */
export class AlertWorkset {
  private readonly alerts = new Map<string, Tracked<AlertState>>();
  private readonly openAlertByKey = new Map<string, string>();
  private readonly groups = new Map<string, Tracked<AlertGroupsTable>>();
  private readonly openGroupsByKey = new Map<string, string[]>();
  private readonly log: AlertEventsTable[] = [];
  private settings = new Map<string, AlertSettingsT>();
  private readonly now: string;
  private readonly jobs: JobSpec[] = [];

  private constructor(private readonly uow: Uow) {
    this.now = iso(uow.now);
  }

  static async open(uow: Uow): Promise<AlertWorkset> {
    await uow.ctx.deps.dialect.lockNamed(uow.db, LOCK);
    return new AlertWorkset(uow);
  }

  private id(): string {
    return newId(this.uow.now.getTime());
  }

  // ---------- loading ----------

  /** Loads open alerts (and their groups) for these dedup keys, plus open groups for candidate group keys. */
  async loadForEvents(events: RoutedEvent[]): Promise<void> {
    const serviceIds = [...new Set(events.map((e) => e.serviceId))];
    this.settings = await settingsFor(this.uow.ctx.deps, this.uow.db, serviceIds);
    const dedupKeys = distinctPairs(events.map((e) => [e.serviceId, e.dedupKey]));
    this.trackAlerts(
      await whereIn(
        dedupKeys,
        (part) => this.uow.db.selectFrom('alerts').select(ALERT_STATE).where('status', '<>', 'resolved').where(pairIn('service_id', 'dedup_key', part)).execute(),
        CHUNK,
      ),
    );
    const groupKeys = distinctPairs(events.filter((e) => e.action === 'trigger').map((e) => [e.serviceId, this.groupKeyOf(e)]));
    this.trackGroups(
      await whereIn(
        groupKeys,
        (part) => this.uow.db.selectFrom('alert_groups').selectAll().where('status', '<>', 'resolved').where(pairIn('service_id', 'group_key', part)).execute(),
        CHUNK,
      ),
    );
    await this.loadGroups([...this.alerts.values()].map((a) => a.row.group_id));
  }

  async loadAlerts(ids: string[]): Promise<AlertState[]> {
    const missing = ids.filter((id) => !this.alerts.has(id));
    this.trackAlerts(await whereIn(missing, (part) => this.uow.db.selectFrom('alerts').select(ALERT_STATE).where('id', 'in', part).execute(), CHUNK));
    await this.loadGroups(ids.map((id) => this.alerts.get(id)?.row.group_id).filter((g): g is string => !!g));
    return ids.map((id) => this.alerts.get(id)?.row).filter((r): r is AlertState => !!r);
  }

  /** Loads groups and all their open alerts (group-level actions touch every open alert). */
  async loadGroupsWithAlerts(groupIds: string[]): Promise<AlertGroupsTable[]> {
    await this.loadGroups(groupIds);
    this.trackAlerts(
      await whereIn(groupIds, (part) => this.uow.db.selectFrom('alerts').select(ALERT_STATE).where('group_id', 'in', part).where('status', '<>', 'resolved').execute(), CHUNK),
    );
    return groupIds.map((id) => this.groups.get(id)?.row).filter((r): r is AlertGroupsTable => !!r);
  }

  private async loadGroups(ids: string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.groups.has(id));
    this.trackGroups(await whereIn(missing, (part) => this.uow.db.selectFrom('alert_groups').selectAll().where('id', 'in', part).execute(), CHUNK));
    const serviceIds = [...this.groups.values()].map((g) => g.row.service_id).filter((s) => !this.settings.has(s));
    if (serviceIds.length) {
      for (const [id, s] of await settingsFor(this.uow.ctx.deps, this.uow.db, serviceIds)) this.settings.set(id, s);
    }
  }

  private trackAlerts(rows: AlertState[]): void {
    for (const row of rows) {
      if (this.alerts.has(row.id)) continue;
      this.alerts.set(row.id, { row, isNew: false, dirty: false });
      if (row.status !== 'resolved') this.openAlertByKey.set(k(row.service_id, row.dedup_key), row.id);
    }
  }

  private trackGroups(rows: AlertGroupsTable[]): void {
    for (const row of rows) {
      if (this.groups.has(row.id)) continue;
      this.groups.set(row.id, { row, isNew: false, dirty: false });
      if (row.status !== 'resolved') {
        const key = k(row.service_id, row.group_key);
        this.openGroupsByKey.set(key, [...(this.openGroupsByKey.get(key) ?? []), row.id]);
      }
    }
  }

  // ---------- transitions ----------

  private groupKeyOf(e: RoutedEvent): string {
    const g = this.settings.get(e.serviceId)?.grouping;
    if (g?.mode === 'labels' && g.labels.length) {
      const picked = Object.fromEntries(g.labels.map((l) => [l, e.labels[l] ?? '']));
      return `labels:${labelsFingerprint(picked)}`;
    }
    return `dedup:${e.dedupKey}`;
  }

  /** Applies one sender event with PagerDuty semantics; returns what happened to it. */
  apply(e: RoutedEvent, actor: AlertActor): EventOutcome {
    const openId = this.openAlertByKey.get(k(e.serviceId, e.dedupKey));
    const open = openId ? this.alerts.get(openId) : undefined;
    if (e.action === 'trigger') {
      if (open) {
        this.retrigger(open, e, actor);
        return 'updated';
      }
      this.create(e, actor);
      return 'created';
    }
    // Acknowledge/resolve of an unknown (or already resolved) dedup key is dropped, as PagerDuty does.
    if (!open) return 'dropped';
    if (e.action === 'acknowledge') {
      if (open.row.status !== 'triggered') return 'updated';
      this.acknowledge(open, actor, 'acknowledge', e.raw);
    } else {
      this.resolve(open, actor, 'resolve', e.raw);
    }
    return 'updated';
  }

  private create(e: RoutedEvent, actor: AlertActor): void {
    const group = this.groupFor(e);
    const row: AlertsTable = {
      id: this.id(),
      service_id: e.serviceId,
      integration_id: e.integrationId,
      group_id: group.row.id,
      dedup_key: e.dedupKey,
      status: 'triggered',
      severity: e.severity,
      urgency: e.urgency,
      summary: e.summary,
      source: e.source,
      component: e.component,
      source_group: e.group,
      class: e.class,
      labels: toJson(e.labels),
      details: toJson(e.details),
      links: toJson(e.links),
      images: toJson(e.images),
      client: e.client,
      client_url: e.clientUrl,
      origin: actor.origin,
      silenced_by: e.silencedBy,
      trigger_count: 1,
      first_seen_at: this.now,
      last_seen_at: this.now,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      resolved_by: null,
      created_at: this.now,
      updated_at: this.now,
    };
    const tracked = { row, isNew: true, dirty: true };
    this.alerts.set(row.id, tracked);
    this.openAlertByKey.set(k(row.service_id, row.dedup_key), row.id);
    const g = group.row;
    const wasSilenced = isSilenced(g);
    g.alert_count++;
    g.open_count++;
    g.unacked_count++;
    if (row.silenced_by) g.silenced_count++;
    g.last_alert_at = this.now;
    if (SEVERITY_RANK[e.severity] > SEVERITY_RANK[g.severity as Severity]) g.severity = e.severity;
    if (e.urgency === 'high') g.urgency = 'high';
    group.dirty = true;
    this.record(row, 'trigger', actor, `Triggered: ${e.summary}`, e.raw);
    this.uow.emit('alert.triggered', 'alert', row.id, { group_id: g.id, service_id: row.service_id, severity: row.severity, urgency: row.urgency, silenced: !!row.silenced_by });
    if (group.isNew && g.alert_count === 1) {
      this.uow.emit('alert_group.triggered', 'alert_group', g.id, { service_id: g.service_id, urgency: g.urgency, silenced: isSilenced(g), reason: 'new' });
    } else if (wasSilenced && !isSilenced(g) && g.status === 'triggered') {
      this.uow.emit('alert_group.triggered', 'alert_group', g.id, { service_id: g.service_id, urgency: g.urgency, silenced: false, reason: 'unsilenced' });
    }
    const autoResolve = this.settings.get(e.serviceId)?.auto_resolve_minutes;
    if (autoResolve) {
      this.jobs.push({ kind: 'alerts.auto_resolve', key: `alerts.auto_resolve:${row.id}`, dueAt: addMs(this.uow.now, autoResolve * 60_000), payload: { alert_id: row.id } });
    }
  }

  private groupFor(e: RoutedEvent): Tracked<AlertGroupsTable> {
    const key = this.groupKeyOf(e);
    const settings = this.settings.get(e.serviceId);
    const windowStart = settings?.grouping.mode === 'labels' ? iso(addMs(this.uow.now, -settings.grouping.window_minutes * 60_000)) : '';
    const candidates = (this.openGroupsByKey.get(k(e.serviceId, key)) ?? [])
      .map((id) => this.groups.get(id)!)
      .filter((g) => g.row.status !== 'resolved' && g.row.last_alert_at >= windowStart)
      .sort((a, b) => (a.row.last_alert_at < b.row.last_alert_at ? 1 : -1));
    if (candidates[0]) return candidates[0];
    const row: AlertGroupsTable = {
      id: this.id(),
      service_id: e.serviceId,
      group_key: key,
      status: 'triggered',
      title: e.summary,
      severity: e.severity,
      urgency: e.urgency,
      silenced_count: 0,
      alert_count: 0,
      open_count: 0,
      unacked_count: 0,
      first_alert_at: this.now,
      last_alert_at: this.now,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      resolved_by: null,
      created_at: this.now,
      updated_at: this.now,
    };
    const tracked = { row, isNew: true, dirty: true };
    this.groups.set(row.id, tracked);
    const mk = k(e.serviceId, key);
    this.openGroupsByKey.set(mk, [...(this.openGroupsByKey.get(mk) ?? []), row.id]);
    return tracked;
  }

  /**
   * A repeated trigger is a log entry on the open alert, as in PagerDuty: the alert keeps the details
   * of the trigger that opened it, counts the repeat, and only ever raises its severity.
   */
  private retrigger(a: Tracked<AlertState>, e: RoutedEvent, actor: AlertActor): void {
    const r = a.row;
    const g = this.groups.get(r.group_id);
    const wasSilencedAlert = !!r.silenced_by;
    r.trigger_count++;
    r.last_seen_at = this.now;
    if (SEVERITY_RANK[e.severity] > SEVERITY_RANK[r.severity as Severity]) r.severity = e.severity;
    r.silenced_by = e.silencedBy;
    r.updated_at = this.now;
    a.dirty = true;
    this.record(r, 'trigger', actor, `Triggered again (${r.trigger_count} times): ${e.summary}`, e.raw);
    if (g && wasSilencedAlert !== !!r.silenced_by) this.adjustSilenced(g, r.silenced_by ? 1 : -1);
    if (g) {
      g.row.last_alert_at = this.now;
      if (SEVERITY_RANK[e.severity] > SEVERITY_RANK[g.row.severity as Severity]) g.row.severity = e.severity;
      g.dirty = true;
    }
  }

  private acknowledge(a: Tracked<AlertState>, actor: AlertActor, kind: string, raw?: unknown): void {
    const r = a.row;
    if (r.status !== 'triggered') return;
    r.status = 'acknowledged';
    r.acknowledged_at = this.now;
    r.acknowledged_by = actor.label;
    r.updated_at = this.now;
    a.dirty = true;
    this.record(r, kind, actor, `Acknowledged by ${actor.label}`, raw);
    this.uow.emit('alert.acknowledged', 'alert', r.id, { group_id: r.group_id, service_id: r.service_id, by: actor.label });
    const g = this.groups.get(r.group_id);
    if (g) {
      g.row.unacked_count--;
      g.dirty = true;
      this.settle(g, actor);
    }
  }

  private resolve(a: Tracked<AlertState>, actor: AlertActor, kind: string, raw?: unknown): void {
    const r = a.row;
    if (r.status === 'resolved') return;
    const wasUnacked = r.status === 'triggered';
    r.status = 'resolved';
    r.resolved_at = this.now;
    r.resolved_by = actor.label;
    r.updated_at = this.now;
    a.dirty = true;
    this.openAlertByKey.delete(k(r.service_id, r.dedup_key));
    this.record(r, kind, actor, kind === 'auto_resolve' ? 'Resolved automatically: no new trigger within the auto-resolve window' : `Resolved by ${actor.label}`, raw);
    this.uow.emit('alert.resolved', 'alert', r.id, { group_id: r.group_id, service_id: r.service_id, by: actor.label });
    const g = this.groups.get(r.group_id);
    if (g) {
      g.row.open_count--;
      if (wasUnacked) g.row.unacked_count--;
      if (r.silenced_by) g.row.silenced_count--;
      g.dirty = true;
      this.settle(g, actor);
    }
  }

  /** Derives the group's status from its counters after a member changed. */
  private settle(g: Tracked<AlertGroupsTable>, actor: AlertActor): void {
    const row = g.row;
    if (row.status === 'resolved') return;
    if (row.open_count <= 0) {
      row.status = 'resolved';
      row.resolved_at = this.now;
      row.resolved_by = actor.label;
      row.updated_at = this.now;
      this.uow.emit('alert_group.resolved', 'alert_group', row.id, { service_id: row.service_id, by: actor.label });
    } else if (row.status === 'triggered' && row.unacked_count <= 0) {
      this.markGroupAcknowledged(g, actor);
    }
    g.dirty = true;
  }

  private markGroupAcknowledged(g: Tracked<AlertGroupsTable>, actor: AlertActor): void {
    const row = g.row;
    row.status = 'acknowledged';
    row.acknowledged_at = this.now;
    row.acknowledged_by = actor.label;
    row.updated_at = this.now;
    g.dirty = true;
    this.uow.emit('alert_group.acknowledged', 'alert_group', row.id, { service_id: row.service_id, by: actor.label });
    const timeout = this.settings.get(row.service_id)?.ack_timeout_minutes;
    if (timeout) {
      this.jobs.push({ kind: 'alerts.ack_timeout', key: `alerts.ack_timeout:${row.id}`, dueAt: addMs(this.uow.now, timeout * 60_000), payload: { group_id: row.id } });
    }
  }

  private adjustSilenced(g: Tracked<AlertGroupsTable>, delta: number): void {
    const was = isSilenced(g.row);
    g.row.silenced_count += delta;
    g.dirty = true;
    if (was && !isSilenced(g.row) && g.row.status === 'triggered') {
      this.uow.emit('alert_group.triggered', 'alert_group', g.row.id, { service_id: g.row.service_id, urgency: g.row.urgency, silenced: false, reason: 'unsilenced' });
    }
  }

  // ---------- actions by people and timers ----------

  acknowledgeAlert(alertId: string, actor: AlertActor): void {
    const a = this.alerts.get(alertId);
    if (a) this.acknowledge(a, actor, 'acknowledge');
  }

  resolveAlert(alertId: string, actor: AlertActor, kind = 'resolve'): void {
    const a = this.alerts.get(alertId);
    if (a) this.resolve(a, actor, kind);
  }

  /** Acknowledging a group acknowledges every open alert in it; the group stays acknowledged as new alerts join. */
  acknowledgeGroup(groupId: string, actor: AlertActor): void {
    const g = this.groups.get(groupId);
    if (!g || g.row.status !== 'triggered') return;
    for (const a of this.openAlertsOf(groupId)) this.acknowledge(a, actor, 'acknowledge');
    if (g.row.status === 'triggered') this.markGroupAcknowledged(g, actor);
  }

  resolveGroup(groupId: string, actor: AlertActor): void {
    const g = this.groups.get(groupId);
    if (!g || g.row.status === 'resolved') return;
    for (const a of this.openAlertsOf(groupId)) this.resolve(a, actor, 'resolve');
    if (g.row.status !== 'resolved') {
      g.row.open_count = 0;
      this.settle(g, actor);
    }
  }

  /** Acknowledgement timeout: everything acknowledged in the group is triggered again, and paging restarts. */
  retriggerGroup(groupId: string, actor: AlertActor, reason: string): boolean {
    const g = this.groups.get(groupId);
    if (!g || g.row.status !== 'acknowledged') return false;
    for (const a of this.openAlertsOf(groupId)) {
      if (a.row.status !== 'acknowledged') continue;
      a.row.status = 'triggered';
      a.row.acknowledged_at = null;
      a.row.acknowledged_by = null;
      a.row.updated_at = this.now;
      a.dirty = true;
      g.row.unacked_count++;
      this.record(a.row, 'ack_timeout', actor, `Acknowledgement expired (${reason}); triggered again`);
      this.uow.emit('alert.triggered', 'alert', a.row.id, { group_id: groupId, service_id: a.row.service_id, severity: a.row.severity, urgency: a.row.urgency, silenced: !!a.row.silenced_by, reason });
    }
    g.row.status = 'triggered';
    g.row.acknowledged_at = null;
    g.row.acknowledged_by = null;
    g.row.updated_at = this.now;
    g.dirty = true;
    this.uow.emit('alert_group.triggered', 'alert_group', groupId, { service_id: g.row.service_id, urgency: g.row.urgency, silenced: isSilenced(g.row), reason });
    return true;
  }

  /** Marks open alerts silenced (or not) after a silence starts or ends. */
  setSilenced(alertId: string, silenceId: string | null, actor: AlertActor): void {
    const a = this.alerts.get(alertId);
    if (!a || a.row.status === 'resolved' || a.row.silenced_by === silenceId) return;
    const before = !!a.row.silenced_by;
    a.row.silenced_by = silenceId;
    a.row.updated_at = this.now;
    a.dirty = true;
    this.record(a.row, silenceId ? 'silenced' : 'unsilenced', actor, silenceId ? `Silenced by silence ${silenceId}` : 'Silence ended');
    this.uow.emit(silenceId ? 'alert.silenced' : 'alert.unsilenced', 'alert', a.row.id, { group_id: a.row.group_id, service_id: a.row.service_id, silence_id: silenceId });
    const g = this.groups.get(a.row.group_id);
    if (g && before !== !!silenceId) this.adjustSilenced(g, silenceId ? 1 : -1);
  }

  alert(id: string): AlertState | undefined {
    return this.alerts.get(id)?.row;
  }

  group(id: string): AlertGroupsTable | undefined {
    return this.groups.get(id)?.row;
  }

  private openAlertsOf(groupId: string): Tracked<AlertState>[] {
    return [...this.alerts.values()].filter((a) => a.row.group_id === groupId && a.row.status !== 'resolved');
  }

  private record(r: AlertState, kind: string, actor: AlertActor, message: string, raw?: unknown): void {
    this.log.push({
      id: this.id(),
      alert_id: r.id,
      at: this.now,
      kind,
      actor_type: actor.type,
      actor_id: actor.id,
      actor_label: actor.label,
      origin: actor.origin,
      message: message.slice(0, 2000),
      payload: raw === undefined ? null : toJson(raw),
    });
  }

  // ---------- writing ----------

  /** Writes every change with set-based statements, in an order the foreign keys accept. */
  async flush(): Promise<void> {
    const db = this.uow.db;
    const groups = [...this.groups.values()].filter((g) => g.dirty);
    const alerts = [...this.alerts.values()].filter((a) => a.dirty);
    for (const g of groups) g.row.updated_at = this.now;
    const dialect = this.uow.ctx.deps.dialect;
    await upsert(db, 'alert_groups', groups.filter((g) => !g.isNew).map((g) => g.row));
    await insertRows(db, dialect, 'alert_groups', groups.filter((g) => g.isNew).map((g) => g.row));
    // Existing alerts first: a resolve frees its dedup key before a new alert with that key is inserted.
    await updateRows(db, dialect, 'alerts', ALERT_UPDATED, alerts.filter((a) => !a.isNew).map((a) => a.row), ['trigger_count']);
    await insertRows(db, dialect, 'alerts', alerts.filter((a) => a.isNew).map((a) => a.row));
    await insertRows(db, dialect, 'alert_events', this.log);
    await scheduleJobs(db, this.uow.ctx.deps.dialect, this.uow.now, this.jobs.splice(0));
    for (const t of [...groups, ...alerts]) {
      t.isNew = false;
      t.dirty = false;
    }
    this.log.length = 0;
  }
}

export function isSilenced(g: AlertGroupsTable): boolean {
  return g.open_count > 0 && g.silenced_count >= g.open_count;
}

/** Multi-row `INSERT … ON CONFLICT (id) DO UPDATE` — one statement for many updated rows, on both databases. */
async function upsert(db: Uow['db'], table: 'alerts' | 'alert_groups', rows: object[]): Promise<void> {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!).filter((c) => c !== 'id');
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto(table)
      .values(rows.slice(i, i + CHUNK) as never)
      .onConflict((oc) => oc.column('id').doUpdateSet(Object.fromEntries(cols.map((c) => [c, sql.ref(`excluded.${c}`)])) as never))
      .execute();
  }
}

function distinctPairs(pairs: [string, string][]): [string, string][] {
  const seen = new Map(pairs.map((p) => [JSON.stringify(p), p]));
  return [...seen.values()];
}
