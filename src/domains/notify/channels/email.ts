import nodemailer, { type Transporter } from 'nodemailer';
import { errorMessage, truncate, type Channel } from './types.js';

const transports = new Map<string, Transporter>();

function transportFor(url: string): Transporter {
  let t = transports.get(url);
  if (!t) {
    // Timeouts so a dead mail server fails the attempt instead of hanging the job.
    t = nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 15_000 } as Parameters<typeof nodemailer.createTransport>[0]);
    transports.set(url, t);
  }
  return t;
}

const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Email over SMTP (BALLAST_SMTP_URL), with plain-text and HTML parts carrying the one-click links. */
export const sendEmail: Channel = async (deps, cm, msg) => {
  const url = deps.config.smtpUrl;
  if (!url) return { ok: false, providerStatus: null, providerResponse: null, error: 'Email is not configured (BALLAST_SMTP_URL)' };
  const links: [string, string][] = [];
  if (msg.acknowledgeUrl) links.push(['Acknowledge', msg.acknowledgeUrl]);
  if (msg.resolveUrl) links.push(['Resolve', msg.resolveUrl]);
  if (msg.url) links.push(['Open in Ballast', msg.url]);
  const text = [msg.text, '', ...links.map(([n, u]) => `${n}: ${u}`)].join('\n');
  const body = `<p>${html(msg.text).replace(/\n/g, '<br>')}</p>${links.map(([n, u]) => `<p><a href="${html(u)}">${html(n)}</a></p>`).join('')}`;
  try {
    const info = await transportFor(url).sendMail({
      from: deps.config.smtpFrom,
      to: cm.address,
      subject: `${msg.urgency === 'high' ? '[ALERT] ' : ''}${msg.subject}`.slice(0, 250),
      text,
      html: body,
      headers: { 'X-Ballast-Notification-Id': msg.notificationId },
    });
    const response = String((info as { response?: unknown }).response ?? '');
    return { ok: true, providerStatus: response.slice(0, 3) || 'sent', providerResponse: truncate(response), error: null };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string };
    return { ok: false, providerStatus: e.responseCode ? String(e.responseCode) : null, providerResponse: truncate(e.response ?? null), error: truncate(errorMessage(err)) };
  }
};
