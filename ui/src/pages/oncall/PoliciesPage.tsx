import { Link } from 'react-router-dom';
import { api } from '../../api';
import { ButtonLink, Card, EmptyState, LoadError, Loading, Mono, PageHeader } from '../../components/ui';
import { formatMinutes } from '../../lib/format';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import type { PolicyTarget } from '../../types';
import { OnCallTabs } from './parts';

export function TargetChip({ t }: { t: PolicyTarget }) {
  return (
    <span className={`chip target-chip target-${t.type}`} title={t.ref}>
      <span className="chip-sub">{t.type === 'schedule' ? 'Schedule' : 'User'}</span> {t.name}
    </span>
  );
}

export function PoliciesPage() {
  useTitle('Escalation policies');
  const q = useQuery(() => api.escalationPolicies.list(), []);
  return (
    <>
      <PageHeader
        title="On-call"
        subtitle="Escalation policies decide who is paged for a service's alerts, and who next if nobody acknowledges."
        actions={
          <ButtonLink to="/oncall/policies/new" variant="primary" icon="plus">
            New policy
          </ButtonLink>
        }
      />
      <OnCallTabs value="policies" />
      <Card flush>
        {q.error ? (
          <div className="card-pad">
            <LoadError error={q.error} onRetry={q.reload} what="escalation policies" />
          </div>
        ) : !q.data ? (
          <Loading />
        ) : q.data.data.length === 0 ? (
          <EmptyState icon="shield" title="No escalation policies yet" action={<ButtonLink to="/oncall/policies/new" variant="primary" icon="plus">Create a policy</ButtonLink>}>
            Without a policy, a service's alerts are recorded but page nobody.
          </EmptyState>
        ) : (
          <table className="table" data-testid="policies-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Team</th>
                <th>Levels</th>
                <th>Services</th>
              </tr>
            </thead>
            <tbody>
              {q.data.data.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={`/oncall/policies/${encodeURIComponent(p.slug)}`} className="row-title">
                      {p.name}
                    </Link>
                    <div>
                      <Mono>{p.slug}</Mono>
                    </div>
                  </td>
                  <td>
                    <Link to={`/teams/${p.team.slug}`} className="link-quiet">
                      {p.team.slug}
                    </Link>
                  </td>
                  <td>
                    <ol className="level-summary">
                      {p.levels.map((l, i) => (
                        <li key={i}>
                          <span className="muted small">{i === 0 ? 'Immediately' : `after ${formatMinutes(p.levels[i - 1]!.delay_minutes)}`}</span>{' '}
                          {l.targets.map((t) => (
                            <TargetChip key={t.ref} t={t} />
                          ))}
                        </li>
                      ))}
                    </ol>
                    {p.repeat > 0 && <div className="muted small">Repeats {p.repeat}×</div>}
                  </td>
                  <td>
                    {p.services.length === 0 ? (
                      <span className="muted">None</span>
                    ) : (
                      p.services.map((s) => (
                        <div key={s.id}>
                          <Link to={`/services/${s.slug}`} className="link-quiet">
                            {s.slug}
                          </Link>
                        </div>
                      ))
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
