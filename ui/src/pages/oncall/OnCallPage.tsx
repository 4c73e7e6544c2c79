import { Link } from 'react-router-dom';
import { api } from '../../api';
import { Avatar, ButtonLink, Card, EmptyState, LoadError, Loading, Mono, PageHeader, RelativeTime } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { ByServiceCard } from './ByServiceCard';
import { OnCallTabs, PersonName, rotationLabel, ScheduleLink } from './parts';

export function OnCallPage() {
  useTitle('On-call');
  const now = useQuery((signal) => api.oncall.now(signal), []);
  const schedules = useQuery((signal) => api.schedules.list({ limit: 200 }, signal), []);

  return (
    <>
      <PageHeader
        title="On-call"
        subtitle="Who gets paged right now, the rotations behind it, and how pages escalate."
        actions={
          <ButtonLink to="/oncall/schedules/new" variant="primary" icon="plus">
            New schedule
          </ButtonLink>
        }
      />
      <OnCallTabs value="schedules" />

      <div className="stack-lg">
        <Card title="On call now" flush>
          {now.error ? (
            <div className="card-pad">
              <LoadError error={now.error} onRetry={now.reload} what="who is on call" />
            </div>
          ) : !now.data ? (
            <Loading />
          ) : now.data.schedules.length === 0 ? (
            <EmptyState icon="oncall" title="Nobody is on call yet">
              Create a schedule to decide who gets paged.
            </EmptyState>
          ) : (
            <table className="table" data-testid="oncall-now">
              <thead>
                <tr>
                  <th>Schedule</th>
                  <th>On call</th>
                  <th>Until</th>
                  <th>Next</th>
                </tr>
              </thead>
              <tbody>
                {now.data.schedules.map((s) => (
                  <tr key={s.schedule.id}>
                    <td>
                      <ScheduleLink slug={s.schedule.slug} name={s.schedule.name} />
                      {s.schedule.team && <div className="muted small">{s.schedule.team.name}</div>}
                    </td>
                    <td>
                      {s.on_call.length === 0 ? (
                        <span className="badge badge-red">Nobody — gap</span>
                      ) : (
                        <div className="oncall-people">
                          {s.on_call.map((u) => (
                            <span key={u.id} className="oncall-person">
                              <Avatar name={u.name || u.email} size={22} /> <PersonName user={u} />
                            </span>
                          ))}
                        </div>
                      )}
                    </td>
                    <td className="nowrap">{s.until ? <RelativeTime iso={s.until} /> : <span className="muted">—</span>}</td>
                    <td>
                      {s.next ? (
                        <>
                          <PersonName user={s.next.user} /> <span className="muted small">from <RelativeTime iso={s.next.start} /></span>
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>

        <ByServiceCard now={now.data} />

        <Card title="Schedules" flush>
          {schedules.error ? (
            <div className="card-pad">
              <LoadError error={schedules.error} onRetry={schedules.reload} what="schedules" />
            </div>
          ) : !schedules.data ? (
            <Loading />
          ) : schedules.data.data.length === 0 ? (
            <EmptyState icon="clock" title="No schedules yet" action={<ButtonLink to="/oncall/schedules/new" variant="primary" icon="plus">Create a schedule</ButtonLink>}>
              A schedule rotates people through on-call shifts in layers, with overrides for swaps and holidays.
            </EmptyState>
          ) : (
            <table className="table" data-testid="schedules-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Team</th>
                  <th>Layers</th>
                  <th>Time zone</th>
                </tr>
              </thead>
              <tbody>
                {schedules.data.data.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <ScheduleLink slug={s.slug} name={s.name} />
                      <div>
                        <Mono>{s.slug}</Mono>
                      </div>
                    </td>
                    <td>{s.team ? <Link to={`/teams/${s.team.slug}`} className="link-quiet">{s.team.name}</Link> : <span className="muted">—</span>}</td>
                    <td>
                      {s.layers.length === 0 ? (
                        <span className="muted">No layers</span>
                      ) : (
                        s.layers.map((l, i) => (
                          <div key={i} className="small">
                            {l.name || `Layer ${i + 1}`}: {rotationLabel(l.rotation)} · {l.participants.length} {l.participants.length === 1 ? 'person' : 'people'}
                          </div>
                        ))
                      )}
                    </td>
                    <td className="nowrap">{s.time_zone}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </>
  );
}
