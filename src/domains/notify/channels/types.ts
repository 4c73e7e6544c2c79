import type { Config } from '../../../config.js';
import type { Clock } from '../../../core/clock.js';
import type { Lookup } from '../../../core/net/ssrf.js';
import type { ContactMethodsTable } from '../tables.js';

/** What a channel needs from the app: configuration, time, and (tests) name resolution. */
export interface ChannelDeps {
  config: Config;
  clock: Clock;
  lookup?: Lookup;
}

export interface OutboundMessage {
  notificationId: string;
  subject: string;
  text: string;
  urgency: 'high' | 'low';
  /** Link to the thing in Ballast (alert group, incident). */
  url?: string;
  alertGroupId?: string;
  incidentId?: string;
  /** Signed one-click links, when the message is about an alert group. */
  acknowledgeUrl?: string;
  resolveUrl?: string;
}

export interface ChannelResult {
  ok: boolean;
  /** HTTP status, SMTP reply code or provider state. */
  providerStatus: string | null;
  providerResponse: string | null;
  error: string | null;
}

export type Channel = (deps: ChannelDeps, cm: ContactMethodsTable, msg: OutboundMessage) => Promise<ChannelResult>;

export const MAX_PROVIDER_RESPONSE = 2000;

export function truncate(s: string | null | undefined, n = MAX_PROVIDER_RESPONSE): string | null {
  if (s === null || s === undefined) return null;
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
