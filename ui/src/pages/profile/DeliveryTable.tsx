import { Badge, Mono, RelativeTime } from '../../components/ui';
import type { NotificationLog } from '../../types';

const STATUS_TONE = { sent: 'green', pending: 'amber', failed: 'red', suppressed: 'neutral', cancelled: 'neutral' } as const;

/** The notification delivery log (profile page, alert detail). Provider responses are shown as text. */
export function DeliveryTable({ items, title, showUser }: { items: NotificationLog[]; title?: string; showUser?: (n: NotificationLog) => string }) {
  return (
    <table className="table delivery-table" data-testid="delivery-log" aria-label={title ?? 'Delivery log'}>
      <thead>
        <tr>
          <th>Status</th>
          {showUser && <th>To</th>}
          <th>Channel</th>
          <th>Subject</th>
          <th>Attempts</th>
          <th>When</th>
        </tr>
      </thead>
      <tbody>
        {items.map((n) => (
          <tr key={n.id}>
            <td>
              <Badge tone={STATUS_TONE[n.status]}>{n.status}</Badge>
            </td>
            {showUser && <td>{showUser(n)}</td>}
            <td>
              <div>{n.channel}</div>
              <div className="muted small cell-clamp">
                <Mono>{n.target}</Mono>
              </div>
            </td>
            <td>
              <div>{n.subject}</div>
              {n.error && <div className="field-error">{n.error}</div>}
              {!n.error && n.provider_status && <div className="muted small">Provider: {n.provider_status}</div>}
            </td>
            <td>
              {n.attempts}
              {n.latency_ms !== null && <span className="muted small"> · {n.latency_ms} ms</span>}
            </td>
            <td className="nowrap">
              <RelativeTime iso={n.sent_at ?? n.created_at} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
