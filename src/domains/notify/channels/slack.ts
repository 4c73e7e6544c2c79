import { postVia } from './http.js';
import type { Channel } from './types.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Slack incoming webhook: fallback text plus Block Kit blocks with link buttons. */
export const sendSlack: Channel = async (deps, cm, msg) => {
  const buttons = [
    msg.url && { type: 'button', text: { type: 'plain_text', text: 'Open in Ballast' }, url: msg.url },
    msg.acknowledgeUrl && { type: 'button', text: { type: 'plain_text', text: 'Acknowledge' }, url: msg.acknowledgeUrl, style: 'primary' },
    msg.resolveUrl && { type: 'button', text: { type: 'plain_text', text: 'Resolve' }, url: msg.resolveUrl },
  ].filter(Boolean);
  const body = JSON.stringify({
    text: `${msg.urgency === 'high' ? ':rotating_light: ' : ''}${msg.subject}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: msg.subject.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: esc(msg.text).slice(0, 2900) || ' ' } },
      ...(buttons.length ? [{ type: 'actions', elements: buttons }] : []),
    ],
  });
  return postVia(deps, cm.address, body, { 'content-type': 'application/json' });
};
