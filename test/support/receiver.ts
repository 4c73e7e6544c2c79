import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local webhook receiver that counts deliveries per notification (`X-Ballast-Notification-Id`). */
export interface PageCounter {
  /** Deliveries per notification id. */
  received: Map<string, number>;
  /** The webhook URL to give a contact method. */
  url: string;
  close(): Promise<void>;
}

export async function startPageCounter(): Promise<PageCounter> {
  const received = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const id = String(req.headers['x-ballast-notification-id'] ?? '');
    received.set(id, (received.get(id) ?? 0) + 1);
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    received,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
