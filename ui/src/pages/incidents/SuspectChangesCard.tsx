// On an incident: change events on the affected services (and their direct dependencies) in the hours before it started.
import { useState } from 'react';
import { Badge, Card, EmptyState, LoadError, Loading, RelativeTime } from '../../components/ui';
import { formatMinutes, safeHttpUrl } from '../../lib/format';
import { useQuery } from '../../lib/useQuery';
import '../../styles/incident-updates.css';
import { updatesApi, type Suspect } from './updates-api';

const WINDOWS = [6, 24, 72];

export function SuspectChangesCard({ incidentId }: { incidentId: string }) {
  const [hours, setHours] = useState(6);
  const q = useQuery((signal) => updatesApi.suspects(incidentId, hours, signal), [incidentId, hours]);

  const picker = (
    <select className="input select input-sm" aria-label="Look-back window" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
      {WINDOWS.map((h) => (
        <option key={h} value={h}>
          {h} h before
        </option>
      ))}
    </select>
  );

  return (
    <Card title="Suspect changes" actions={picker} className="suspect-changes">
      {q.loading && !q.data ? (
        <Loading />
      ) : !q.data ? (
        <LoadError error={q.error} onRetry={q.reload} what="suspect changes" />
      ) : q.data.data.length === 0 ? (
        <EmptyState icon="info" title="No changes recorded">
          {q.data.services.length === 0
            ? 'The incident has no affected services yet.'
            : `Nothing changed on ${q.data.services.map((s) => s.name).join(', ')} in the ${hours} hours before the incident.`}
        </EmptyState>
      ) : (
        <ul className="suspect-list" aria-label="Changes before the incident, newest first">
          {q.data.data.map((s) => (
            <SuspectRow key={`${s.kind}:${s.id}`} suspect={s} />
          ))}
        </ul>
      )}
    </Card>
  );
}

function SuspectRow({ suspect: s }: { suspect: Suspect }) {
  return (
    <li className="suspect-item">
      <div className="suspect-head">
        <span className="suspect-summary">{s.summary}</span>
        <span className="muted suspect-when">
          <RelativeTime iso={s.occurred_at} /> · {formatMinutes(s.minutes_before)} before
        </span>
      </div>
      <div className="suspect-meta">
        <Badge tone={s.via_dependency ? 'amber' : 'neutral'} title={s.via_dependency ? `A dependency of ${s.dependents.map((d) => d.name).join(', ')}` : 'An affected service'}>
          {s.service.name}
          {s.via_dependency ? ' (dependency)' : ''}
        </Badge>
        {s.source && <span className="muted">via {s.source}</span>}
        {s.kind !== 'change_event' && <Badge tone="blue">{s.kind.replace(/_/g, ' ')}</Badge>}
        {s.links.map((l) => {
          const href = safeHttpUrl(l.href);
          return href ? (
            <a key={l.href} href={href} target="_blank" rel="noopener noreferrer nofollow">
              {l.text || 'link'}
            </a>
          ) : null;
        })}
      </div>
    </li>
  );
}
