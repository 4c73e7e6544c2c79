// On-call → "By service": for each service, who its escalation policy's first level would page right now.
// Schedule targets resolve through /oncall/now, user targets are the user; no policy is a warning.

import { Link } from 'react-router-dom';
import { api } from '../../api';
import { Avatar, Badge, Card, EmptyState, LoadError, Loading, Mono } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import type { EscalationPolicy, OnCallNow, PolicyTarget, UserRef } from '../../types';
import { PersonName } from './parts';

async function loadServicePolicies(signal: AbortSignal) {
  return (await api.escalationPolicies.byService(signal)).data;
}

type Resolved = { target: PolicyTarget; people: UserRef[] };

function resolveFirstLevel(policy: EscalationPolicy, now: OnCallNow): Resolved[] {
  const level = policy.levels[0];
  if (!level) return [];
  return level.targets.map((target) => {
    if (target.type === 'user') return { target, people: [{ id: target.id, email: target.ref.replace(/^user:/, ''), name: target.name }] };
    const s = now.schedules.find((x) => x.schedule.id === target.id);
    return { target, people: s?.on_call ?? [] };
  });
}

function Warning({ children }: { children: string }) {
  return <Badge tone="amber">{children}</Badge>;
}

export function ByServiceCard({ now }: { now: OnCallNow | undefined }) {
  const rows = useQuery((signal) => loadServicePolicies(signal), []);
  return (
    <Card title="By service" flush>
      {rows.error ? (
        <div className="card-pad">
          <LoadError error={rows.error} onRetry={rows.reload} what="services and their escalation policies" />
        </div>
      ) : !rows.data || !now ? (
        <Loading />
      ) : rows.data.length === 0 ? (
        <EmptyState icon="layers" title="No services yet" />
      ) : (
        <table className="table" data-testid="oncall-by-service">
          <thead>
            <tr>
              <th>Service</th>
              <th>Escalation policy</th>
              <th>Paged right now (level 1)</th>
            </tr>
          </thead>
          <tbody>
            {rows.data.map(({ service, policy }) => {
              const resolved = policy ? resolveFirstLevel(policy, now) : [];
              const people = resolved.flatMap((r) => r.people).filter((p, i, all) => all.findIndex((q) => q.id === p.id) === i);
              return (
                <tr key={service.id} data-service={service.slug}>
                  <td>
                    <Link to={`/services/${encodeURIComponent(service.slug)}`} className="row-title">
                      {service.name}
                    </Link>
                    <div>
                      <Mono>{service.slug}</Mono>
                    </div>
                  </td>
                  <td>
                    {policy ? (
                      <Link to={`/oncall/policies/${encodeURIComponent(policy.slug)}`} className="link-quiet">
                        {policy.name}
                      </Link>
                    ) : (
                      <Warning>No escalation policy</Warning>
                    )}
                  </td>
                  <td>
                    {!policy ? (
                      <span className="service-paging-warn small">Alerts for this service page nobody.</span>
                    ) : resolved.length === 0 ? (
                      <Warning>Level 1 has no targets</Warning>
                    ) : (
                      <div className="stack">
                        {people.length === 0 ? (
                          <Warning>Nobody on call</Warning>
                        ) : (
                          <div className="oncall-people">
                            {people.map((u) => (
                              <span key={u.id} className="oncall-person">
                                <Avatar name={u.name || u.email} size={22} /> <PersonName user={u} />
                              </span>
                            ))}
                          </div>
                        )}
                        <div className="muted small">
                          {resolved.map((r, i) => (
                            <span key={r.target.ref}>
                              {i > 0 && ', '}
                              {r.target.type === 'schedule' ? `via ${r.target.name}` : 'directly'}
                              {r.target.type === 'schedule' && r.people.length === 0 && ' (gap)'}
                            </span>
                          ))}
                        </div>
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}
