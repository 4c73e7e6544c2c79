import { postVia } from './http.js';
import type { Channel, ChannelDeps, ChannelResult } from './types.js';

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function twilioPost(deps: ChannelDeps, resource: 'Messages' | 'Calls', form: Record<string, string>): Promise<ChannelResult> {
  const { twilioUrl, twilioAccountSid: sid, twilioAuthToken: token, twilioFrom: from } = deps.config;
  if (!sid || !token || !from) {
    return Promise.resolve({ ok: false, providerStatus: null, providerResponse: null, error: 'SMS/voice is not configured (BALLAST_TWILIO_ACCOUNT_SID, BALLAST_TWILIO_AUTH_TOKEN, BALLAST_TWILIO_FROM)' });
  }
  const url = `${twilioUrl}/2010-04-01/Accounts/${encodeURIComponent(sid)}/${resource}.json`;
  const body = new URLSearchParams({ From: from, ...form }).toString();
  return postVia(deps, url, body, {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`,
  });
}

/** SMS: short, one segment where possible. */
export const sendSms: Channel = (deps, cm, msg) => {
  const text = `[Ballast] ${msg.subject}${msg.acknowledgeUrl ? ` Ack: ${msg.acknowledgeUrl}` : ''}`;
  return twilioPost(deps, 'Messages', { To: cm.address, Body: text.slice(0, 1500) });
};

/** Voice: Twilio reads the subject twice. */
export const sendVoice: Channel = (deps, cm, msg) => {
  const say = xml(`Ballast alert. ${msg.subject}`.slice(0, 500));
  return twilioPost(deps, 'Calls', { To: cm.address, Twiml: `<Response><Say>${say}</Say><Pause length="1"/><Say>${say}</Say></Response>` });
};
