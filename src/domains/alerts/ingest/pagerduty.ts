import { SEVERITIES, type NormalizedEvent, type Severity, type Link, type Image } from '../model.js';

/** Thrown for events that break the Events API v2 contract; `errors` are PagerDuty-style strings. */
export class InvalidEvent extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('; '));
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optStr = (v: unknown) => (typeof v === 'string' ? v : null);

export interface PdEnvelope {
  routingKey: string;
  event: NormalizedEvent;
}

/** Mirrors PagerDuty's Events API v2 validation, so clients see the same errors they would there. */
export function parsePagerDutyEvent(body: unknown): PdEnvelope {
  const errors: string[] = [];
  if (!isObj(body)) throw new InvalidEvent(['Event object is invalid: expected a JSON object']);
  const rk = body.routing_key;
  if (typeof rk !== 'string') errors.push("'routing_key' is missing or not a string");
  else if (rk.length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  const action = body.event_action;
  if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve') {
    errors.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
  }
  const dedup = body.dedup_key;
  if (dedup !== undefined && dedup !== null && typeof dedup !== 'string') errors.push("'dedup_key' must be a string");
  else if (typeof dedup === 'string' && dedup.length > 255) errors.push("'dedup_key' is too long (maximum 255 characters)");
  if ((action === 'acknowledge' || action === 'resolve') && (typeof dedup !== 'string' || dedup === '')) {
    errors.push(`'dedup_key' is required for ${String(action)} events`);
  }

  let summary = '';
  let source = '';
  let severity: Severity = 'error';
  let payload: Record<string, unknown> = {};
  if (action === 'trigger') {
    if (!isObj(body.payload)) {
      errors.push("'payload' is missing or not an object");
    } else {
      payload = body.payload;
      if (typeof payload.summary !== 'string' || payload.summary.trim() === '') errors.push("'payload.summary' is missing or blank");
      else if (payload.summary.length > 1024) errors.push("'payload.summary' is too long (maximum 1024 characters)");
      else summary = payload.summary;
      if (typeof payload.source !== 'string' || payload.source.trim() === '') errors.push("'payload.source' is missing or blank");
      else if (payload.source.length > 1024) errors.push("'payload.source' is too long (maximum 1024 characters)");
      else source = payload.source;
      if (!SEVERITIES.includes(payload.severity as Severity)) {
        errors.push("'payload.severity' is invalid (must be one of: critical, error, warning, info)");
      } else severity = payload.severity as Severity;
      if (payload.timestamp !== undefined && (typeof payload.timestamp !== 'string' || Number.isNaN(Date.parse(payload.timestamp)))) {
        errors.push("'payload.timestamp' must be an ISO 8601 timestamp");
      }
      for (const f of ['component', 'group', 'class'] as const) {
        if (payload[f] !== undefined && payload[f] !== null && typeof payload[f] !== 'string') errors.push(`'payload.${f}' must be a string`);
      }
      if (payload.custom_details !== undefined && payload.custom_details !== null && typeof payload.custom_details !== 'object') {
        // PagerDuty accepts a string here and shows it as-is; so do we (wrapped below).
        if (typeof payload.custom_details !== 'string' && typeof payload.custom_details !== 'number' && typeof payload.custom_details !== 'boolean') {
          errors.push("'payload.custom_details' must be an object");
        }
      }
    }
  }
  const links = parseLinks(body.links, errors);
  const images = parseImages(body.images, errors);
  if (body.client !== undefined && body.client !== null && typeof body.client !== 'string') errors.push("'client' must be a string");
  if (body.client_url !== undefined && body.client_url !== null && typeof body.client_url !== 'string') errors.push("'client_url' must be a string");
  if (errors.length) throw new InvalidEvent(errors);

  const cd = payload.custom_details;
  const details: Record<string, unknown> = isObj(cd) ? cd : cd === undefined || cd === null ? {} : { details: cd };
  const labels: Record<string, string> = { severity, source };
  for (const f of ['component', 'group', 'class'] as const) if (typeof payload[f] === 'string') labels[f] = payload[f] as string;
  for (const [k, v] of Object.entries(details)) {
    // Own keys only: `k in labels` also saw Object.prototype, so "toString", "valueOf"… never became labels.
    if (typeof v === 'string' && !Object.hasOwn(labels, k)) labels[k] = v;
  }
  return {
    routingKey: rk as string,
    event: {
      action: action as NormalizedEvent['action'],
      dedupKey: typeof dedup === 'string' && dedup !== '' ? dedup : null,
      summary,
      source,
      severity,
      timestamp: optStr(payload.timestamp),
      component: optStr(payload.component),
      group: optStr(payload.group),
      class: optStr(payload.class),
      labels,
      details,
      links,
      images,
      client: optStr(body.client),
      clientUrl: optStr(body.client_url),
      origin: 'pagerduty',
      // The routing key is a sender credential; the event log is readable by every signed-in user.
      raw: withoutRoutingKey(body),
    },
  };
}

function withoutRoutingKey(body: Record<string, unknown>): Record<string, unknown> {
  const { routing_key: _key, ...rest } = body;
  return rest;
}

function parseLinks(v: unknown, errors: string[]): Link[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    errors.push("'links' must be an array");
    return [];
  }
  const out: Link[] = [];
  v.slice(0, 50).forEach((l, i) => {
    if (!isObj(l) || typeof l.href !== 'string') errors.push(`'links[${i}].href' is missing or not a string`);
    else out.push({ href: l.href, ...(typeof l.text === 'string' ? { text: l.text } : {}) });
  });
  return out;
}

function parseImages(v: unknown, errors: string[]): Image[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    errors.push("'images' must be an array");
    return [];
  }
  const out: Image[] = [];
  v.slice(0, 50).forEach((im, i) => {
    if (!isObj(im) || typeof im.src !== 'string') errors.push(`'images[${i}].src' is missing or not a string`);
    else out.push({ src: im.src, ...(typeof im.href === 'string' ? { href: im.href } : {}), ...(typeof im.alt === 'string' ? { alt: im.alt } : {}) });
  });
  return out;
}

export interface PdChangeEvent {
  routingKey: string;
  summary: string;
  source: string | null;
  timestamp: string | null;
  details: Record<string, unknown>;
  links: Link[];
}

export function parsePagerDutyChange(body: unknown): PdChangeEvent {
  const errors: string[] = [];
  if (!isObj(body)) throw new InvalidEvent(['Event object is invalid: expected a JSON object']);
  const rk = body.routing_key;
  if (typeof rk !== 'string') errors.push("'routing_key' is missing or not a string");
  else if (rk.length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  const p = body.payload;
  if (!isObj(p)) errors.push("'payload' is missing or not an object");
  const payload = isObj(p) ? p : {};
  if (isObj(p)) {
    if (typeof payload.summary !== 'string' || payload.summary.trim() === '') errors.push("'payload.summary' is missing or blank");
    else if (payload.summary.length > 1024) errors.push("'payload.summary' is too long (maximum 1024 characters)");
    if (payload.timestamp !== undefined && (typeof payload.timestamp !== 'string' || Number.isNaN(Date.parse(payload.timestamp)))) {
      errors.push("'payload.timestamp' must be an ISO 8601 timestamp");
    }
    if (payload.source !== undefined && payload.source !== null && typeof payload.source !== 'string') errors.push("'payload.source' must be a string");
    if (payload.custom_details !== undefined && payload.custom_details !== null && !isObj(payload.custom_details)) {
      errors.push("'payload.custom_details' must be an object");
    }
  }
  const links = parseLinks(body.links, errors);
  if (errors.length) throw new InvalidEvent(errors);
  return {
    routingKey: rk as string,
    summary: payload.summary as string,
    source: optStr(payload.source),
    timestamp: optStr(payload.timestamp),
    details: isObj(payload.custom_details) ? payload.custom_details : {},
    links,
  };
}
