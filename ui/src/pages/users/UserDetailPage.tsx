import { Link, useParams } from 'react-router-dom';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { Avatar, Badge, Card, LoadError, Loading, PageHeader, RelativeTime } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { UserLoadCard } from '../oncall/LoadCard';

/** /users/:id — a user's basics (id or email in the URL) and their on-call load. */
export function UserDetailPage() {
  const { id = '' } = useParams();
  const me = useCurrentUser();
  const user = useQuery((signal) => api.users.get(id, signal), [id]);
  const u = user.data;
  useTitle(u ? u.name || u.email : 'User');

  if (user.error) return <LoadError error={user.error} onRetry={user.reload} what="this user" />;
  if (!u) return <Loading />;

  return (
    <>
      <PageHeader
        back={{ to: '/users', label: 'Users' }}
        title={
          <span className="title-with-badge">
            <Avatar name={u.name || u.email} size={32} /> {u.name || u.email}
            {u.id === me.id && <span className="muted small">(you)</span>}
          </span>
        }
        subtitle={
          <>
            {u.email}
            <span className="dot-sep" />
            {u.timezone}
          </>
        }
      />
      <div className="stack-lg">
        <Card title="Details">
          <dl className="props" data-testid="user-details">
            <dt>Email</dt>
            <dd>{u.email}</dd>
            <dt>Time zone</dt>
            <dd>{u.timezone}</dd>
            <dt>Status</dt>
            <dd>
              <span className="chips">
                {u.disabled ? <Badge tone="red">disabled</Badge> : <Badge tone="green">active</Badge>}
                {u.is_admin && <Badge tone="violet">admin</Badge>}
              </span>
            </dd>
            <dt>Teams</dt>
            <dd>
              {Object.keys(u.teams).length === 0 ? (
                <span className="muted">—</span>
              ) : (
                <span className="chips">
                  {Object.entries(u.teams).map(([slug, role]) => (
                    <Link key={slug} to={`/teams/${encodeURIComponent(slug)}`} className="chip" title={role}>
                      {slug}
                      <span className="chip-sub">{role}</span>
                    </Link>
                  ))}
                </span>
              )}
            </dd>
            <dt>Created</dt>
            <dd>
              <RelativeTime iso={u.created_at} />
            </dd>
          </dl>
        </Card>
        <UserLoadCard user={u.id} />
      </div>
    </>
  );
}
