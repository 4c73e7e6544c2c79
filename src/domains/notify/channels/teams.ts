import { postVia } from './http.js';
import type { Channel } from './types.js';

/** Microsoft Teams incoming webhook: a legacy MessageCard (accepted by Teams connectors and Workflows). */
export const sendTeams: Channel = async (deps, cm, msg) => {
  const actions = [
    msg.url && { name: 'Open in Ballast', uri: msg.url },
    msg.acknowledgeUrl && { name: 'Acknowledge', uri: msg.acknowledgeUrl },
    msg.resolveUrl && { name: 'Resolve', uri: msg.resolveUrl },
  ]
    .filter((a): a is { name: string; uri: string } => !!a)
    .map((a) => ({ '@type': 'OpenUri', name: a.name, targets: [{ os: 'default', uri: a.uri }] }));
  const body = JSON.stringify({
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: msg.subject.slice(0, 200),
    themeColor: msg.urgency === 'high' ? 'D13438' : '0078D7',
    title: msg.subject,
    text: msg.text,
    potentialAction: actions,
  });
  return postVia(deps, cm.address, body, { 'content-type': 'application/json' });
};
