import crypto from 'node:crypto';
import { postVia } from './http.js';
import type { Channel } from './types.js';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: receivers recompute it and reject old timestamps (replays). */
export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  const mac = crypto.createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Generic webhook: a JSON document, signed with the contact method's secret. */
export const sendWebhook: Channel = async (deps, cm, msg) => {
  const now = deps.clock.now();
  const body = JSON.stringify({
    type: 'ballast.notification',
    id: msg.notificationId,
    sent_at: now.toISOString(),
    urgency: msg.urgency,
    subject: msg.subject,
    text: msg.text,
    url: msg.url ?? null,
    alert_group_id: msg.alertGroupId ?? null,
    incident_id: msg.incidentId ?? null,
    links: { acknowledge: msg.acknowledgeUrl ?? null, resolve: msg.resolveUrl ?? null },
  });
  const t = Math.floor(now.getTime() / 1000);
  return postVia(deps, cm.address, body, {
    'content-type': 'application/json',
    'x-ballast-signature': webhookSignature(cm.secret ?? '', t, body),
    'x-ballast-notification-id': msg.notificationId,
  });
};
