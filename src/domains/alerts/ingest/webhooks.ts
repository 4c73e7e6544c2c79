import { createHash } from 'node:crypto';
import { SEVERITIES, type Link, type NormalizedEvent, type Severity } from '../model.js';
import { InvalidEvent } from './pagerduty.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_ALERTS = 1000;

/** Maps the severity words monitoring setups use onto the four PagerDuty levels. */
export function mapSeverity(raw: unknown, fallback: Severity = 'error'): Severity {
  if (typeof raw !== 'string') return fallback;
  const s = raw.trim().toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(s)) return s as Severity;
  if (['crit', 'fatal', 'emergency', 'page', 'p1', 'sev1', 'disaster'].includes(s)) return 'critical';
  if (['high', 'major', 'err', 'p2', 'sev2', 'average'].includes(s)) return 'error';
  if (['warn', 'minor', 'medium', 'p3', 'sev3'].includes(s)) return 'warning';
  if (['low', 'none', 'informational', 'notice', 'ok', 'p4', 'p5', 'sev4', 'debug'].includes(s)) return 'info';
  return fallback;
}

/** Alertmanager's own fallback identity: a stable hash of the sorted label set. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(k).update('\u0000').update(labels[k]!).update('\u0001');
  return h.digest('hex').slice(0, 16);
}

function stringMap(v: unknown, path: string, errors: string[]): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) {
    errors.push(`${path} must be an object of strings`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') out[k] = val;
    else if (typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
    else errors.push(`${path}.${k} must be a string`);
  }
  return out;
}

const linkIf = (href: unknown, text: string): Link[] => (typeof href === 'string' && href ? [{ href, text }] : []);

/**
 * Alertmanager webhook (payload version 4) and Grafana unified alerting share one shape:
 * each entry of `alerts[]` is its own alert, identified by its fingerprint, firing or resolved.
 */
export function parseAlertmanagerLike(body: unknown, origin: 'alertmanager' | 'grafana'): NormalizedEvent[] {
  if (!isObj(body)) throw new InvalidEvent(['Body must be a JSON object']);
  if (origin === 'grafana' && !Array.isArray(body.alerts) && ('ruleName' in body || 'ruleId' in body || 'state' in body)) {
    return parseLegacyGrafana(body);
  }
  const errors: string[] = [];
  if (!Array.isArray(body.alerts)) throw new InvalidEvent(["'alerts' must be an array"]);
  if (body.alerts.length > MAX_ALERTS) throw new InvalidEvent([`'alerts' has more than ${MAX_ALERTS} entries`]);
  const envelope = {
    receiver: typeof body.receiver === 'string' ? body.receiver : undefined,
    groupKey: typeof body.groupKey === 'string' ? body.groupKey : undefined,
    externalURL: typeof body.externalURL === 'string' ? body.externalURL : undefined,
    version: typeof body.version === 'string' ? body.version : undefined,
    truncatedAlerts: typeof body.truncatedAlerts === 'number' ? body.truncatedAlerts : undefined,
    groupLabels: isObj(body.groupLabels) ? body.groupLabels : undefined,
  };
  const events: NormalizedEvent[] = [];
  body.alerts.forEach((a: unknown, i: number) => {
    const p = `alerts[${i}]`;
    if (!isObj(a)) {
      errors.push(`${p} must be an object`);
      return;
    }
    const labels = stringMap(a.labels, `${p}.labels`, errors);
    const annotations = stringMap(a.annotations, `${p}.annotations`, errors);
    if (a.status !== 'firing' && a.status !== 'resolved') errors.push(`${p}.status must be "firing" or "resolved"`);
    if (Object.keys(labels).length === 0 && typeof a.fingerprint !== 'string') errors.push(`${p} needs labels or a fingerprint`);
    const fingerprint = typeof a.fingerprint === 'string' && a.fingerprint ? a.fingerprint : labelsFingerprint(labels);
    if (fingerprint.length > 255) errors.push(`${p}.fingerprint is too long`);
    const name = labels.alertname ?? 'alert';
    const summary = (annotations.summary ?? annotations.description ?? annotations.message ?? `${name}${labels.instance ? ` on ${labels.instance}` : ''}`).slice(0, 1024);
    const details: Record<string, unknown> = {
      annotations,
      ...(typeof a.generatorURL === 'string' ? { generatorURL: a.generatorURL } : {}),
      ...(typeof a.startsAt === 'string' ? { startsAt: a.startsAt } : {}),
      ...(typeof a.endsAt === 'string' ? { endsAt: a.endsAt } : {}),
      fingerprint,
      ...Object.fromEntries(Object.entries(envelope).filter(([, v]) => v !== undefined)),
    };
    if (origin === 'grafana') {
      for (const f of ['silenceURL', 'dashboardURL', 'panelURL', 'imageURL', 'valueString'] as const) if (typeof a[f] === 'string') details[f] = a[f];
      if (isObj(a.values)) details.values = a.values;
    }
    events.push({
      action: a.status === 'resolved' ? 'resolve' : 'trigger',
      dedupKey: fingerprint,
      summary: summary || name,
      source: (labels.instance ?? labels.job ?? envelope.externalURL ?? origin).slice(0, 1024),
      severity: mapSeverity(labels.severity ?? labels.priority, 'error'),
      timestamp: typeof a.startsAt === 'string' && !Number.isNaN(Date.parse(a.startsAt)) ? a.startsAt : null,
      component: labels.job ?? null,
      group: labels.namespace ?? labels.cluster ?? null,
      class: labels.alertname ?? null,
      labels,
      details,
      links: [
        ...linkIf(a.generatorURL, 'Source'),
        ...linkIf(annotations.runbook_url, 'Runbook'),
        ...(origin === 'grafana' ? [...linkIf(a.dashboardURL, 'Dashboard'), ...linkIf(a.panelURL, 'Panel'), ...linkIf(a.silenceURL, 'Silence')] : []),
      ],
      images: typeof a.imageURL === 'string' && a.imageURL ? [{ src: a.imageURL }] : [],
      client: origin === 'grafana' ? 'Grafana' : 'Alertmanager',
      clientUrl: envelope.externalURL ?? null,
      origin,
      raw: a,
    });
  });
  if (errors.length) throw new InvalidEvent(errors.slice(0, 50));
  return events;
}

const scalar = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

/** Grafana's legacy (dashboard) alert notifications: one rule per message, state alerting/ok. */
function parseLegacyGrafana(body: Record<string, unknown>): NormalizedEvent[] {
  const state = body.state;
  if (typeof state !== 'string') throw new InvalidEvent(["'state' must be a string"]);
  if (state === 'paused' || state === 'pending') return [];
  // Only scalars: String() of a sender's object is "[object Object]", or a TypeError (a 500) for {"toString": ""}.
  const key = scalar(body.ruleId) ?? scalar(body.ruleName) ?? scalar(body.title) ?? '';
  if (!key) throw new InvalidEvent(["legacy Grafana alerts need 'ruleId' or 'ruleName'"]);
  const tags = stringMap(body.tags, 'tags', []);
  return [
    {
      action: state === 'ok' ? 'resolve' : 'trigger',
      dedupKey: `grafana-rule-${key}`.slice(0, 255),
      summary: (scalar(body.title) ?? scalar(body.ruleName) ?? 'Grafana alert').slice(0, 1024),
      source: 'grafana',
      severity: mapSeverity(tags.severity, state === 'no_data' ? 'warning' : 'error'),
      timestamp: null,
      component: null,
      group: null,
      class: typeof body.ruleName === 'string' ? body.ruleName : null,
      labels: { ...tags, ...(typeof body.ruleName === 'string' ? { alertname: body.ruleName } : {}) },
      details: { message: body.message, evalMatches: body.evalMatches, state },
      links: linkIf(body.ruleUrl, 'Rule'),
      images: typeof body.imageUrl === 'string' ? [{ src: body.imageUrl }] : [],
      client: 'Grafana',
      clientUrl: null,
      origin: 'grafana',
      raw: body,
    },
  ];
}

/**
 * Ballast's own simple format, for scripts and tools with a plain webhook:
 * `{summary, severity?, dedup_key?, action?, source?, details?, labels?, links?}` or an array of them.
 */
export function parseGeneric(body: unknown): NormalizedEvent[] {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) throw new InvalidEvent(['Send an event object or a non-empty array of them']);
  if (items.length > MAX_ALERTS) throw new InvalidEvent([`More than ${MAX_ALERTS} events in one request`]);
  const errors: string[] = [];
  const out: NormalizedEvent[] = [];
  items.forEach((e: unknown, i: number) => {
    const p = Array.isArray(body) ? `[${i}].` : '';
    if (!isObj(e)) {
      errors.push(`${p || 'body'} must be an object`);
      return;
    }
    const action = e.action ?? 'trigger';
    if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve') errors.push(`${p}action must be trigger, acknowledge or resolve`);
    const dedup = e.dedup_key;
    if (dedup !== undefined && dedup !== null && (typeof dedup !== 'string' || dedup.length === 0 || dedup.length > 255)) {
      errors.push(`${p}dedup_key must be a string of 1-255 characters`);
    }
    if (action !== 'trigger' && typeof dedup !== 'string') errors.push(`${p}dedup_key is required for ${scalar(action) ?? 'this action'}`);
    if (action === 'trigger' && (typeof e.summary !== 'string' || !e.summary.trim())) errors.push(`${p}summary is required`);
    if (typeof e.summary === 'string' && e.summary.length > 1024) errors.push(`${p}summary is longer than 1024 characters`);
    if (e.severity !== undefined && !(SEVERITIES as readonly string[]).includes(e.severity as string)) {
      errors.push(`${p}severity must be one of critical, error, warning, info`);
    }
    if (e.source !== undefined && (typeof e.source !== 'string' || e.source.length > 1024)) errors.push(`${p}source must be a string`);
    if (e.details !== undefined && e.details !== null && !isObj(e.details)) errors.push(`${p}details must be an object`);
    const labels = stringMap(e.labels, `${p}labels`, errors);
    const links: Link[] = [];
    if (e.links !== undefined) {
      if (!Array.isArray(e.links)) errors.push(`${p}links must be an array`);
      else for (const l of e.links.slice(0, 50)) if (isObj(l) && typeof l.href === 'string') links.push({ href: l.href, ...(typeof l.text === 'string' ? { text: l.text } : {}) });
    }
    const severity = (e.severity as Severity | undefined) ?? 'error';
    out.push({
      action: action as NormalizedEvent['action'],
      dedupKey: typeof dedup === 'string' ? dedup : null,
      summary: typeof e.summary === 'string' ? e.summary : '',
      source: typeof e.source === 'string' && e.source ? e.source : 'generic',
      severity,
      timestamp: null,
      component: null,
      group: null,
      class: typeof labels.alertname === 'string' ? labels.alertname : null,
      labels: { severity, ...labels },
      details: isObj(e.details) ? e.details : {},
      links,
      images: [],
      client: null,
      clientUrl: null,
      origin: 'generic',
      raw: e,
    });
  });
  if (errors.length) throw new InvalidEvent(errors.slice(0, 50));
  return out;
}
