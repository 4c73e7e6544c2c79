import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api, errorMessage } from '../../api';
import { useCurrentUser } from '../../auth';
import { useToast } from '../../components/Toast';
import { Badge, Banner, Button, ButtonLink, Card, EmptyState, LoadError, Loading, Mono, PageHeader } from '../../components/ui';
import { hasTeamRole } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { treeApi, type Example } from './tree-api';
import '../../styles/trees.css';

/** /runbooks/trees: the trees, the built-in examples to install, and a way to start a new one. */
export function TreesPage() {
  useTitle('Decision trees');
  const me = useCurrentUser();
  const trees = useQuery(() => treeApi.list(), []);
  const examples = useQuery(() => treeApi.examples(), []);
  const teams = useQuery(() => api.teams.all(), []);
  const editable = (teams.data ?? []).filter((t) => hasTeamRole(me, t.slug, 'responder'));
  return (
    <>
      <PageHeader
        back={{ to: '/runbooks', label: 'Runbooks' }}
        title="Decision trees"
        subtitle="Troubleshooting guides that ask one question at a time and end in an action: run a runbook, escalate, or declare an incident."
        actions={
          editable.length > 0 && (
            <ButtonLink to="/runbooks/trees/new" variant="primary" icon="plus">
              New tree
            </ButtonLink>
          )
        }
      />
      <div className="trees-layout">
        <Card flush title="Trees">
          {trees.error ? (
            <div className="card-pad">
              <LoadError error={trees.error} onRetry={trees.reload} what="decision trees" />
            </div>
          ) : !trees.data ? (
            <Loading />
          ) : trees.data.data.length === 0 ? (
            <EmptyState icon="target" title="No decision trees yet">
              Install the example on the right, or write your own.
            </EmptyState>
          ) : (
            <table className="table" data-testid="trees-table">
              <thead>
                <tr>
                  <th>Tree</th>
                  <th>Team</th>
                  <th>Nodes</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {trees.data.data.map((t) => (
                  <tr key={t.id}>
                    <td>
                      <Link to={`/runbooks/trees/${encodeURIComponent(t.slug)}`} className="row-title">
                        {t.title}
                      </Link>
                      <div className="muted small">
                        <Mono>{t.slug}</Mono> {t.tags.map((tag) => <Badge key={tag}>{tag}</Badge>)}
                      </div>
                    </td>
                    <td>{t.team.slug}</td>
                    <td>{t.node_count}</td>
                    <td className="table-actions">
                      <ButtonLink size="sm" variant="primary" to={`/runbooks/trees/${encodeURIComponent(t.slug)}`}>
                        Walk
                      </ButtonLink>{' '}
                      {hasTeamRole(me, t.team.slug, 'responder') && (
                        <ButtonLink size="sm" icon="edit" to={`/runbooks/trees/${encodeURIComponent(t.slug)}/edit`}>
                          Edit
                        </ButtonLink>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Examples">
          {examples.error ? (
            <LoadError error={examples.error} onRetry={examples.reload} what="examples" />
          ) : !examples.data ? (
            <Loading />
          ) : (
            examples.data.data.map((ex) => <ExampleItem key={ex.key} ex={ex} teams={editable.map((t) => t.slug)} onInstalled={() => (trees.reload(), examples.reload())} />)
          )}
        </Card>
      </div>
    </>
  );
}

function ExampleItem({ ex, teams, onInstalled }: { ex: Example; teams: string[]; onInstalled(): void }) {
  const [team, setTeam] = useState('');
  const [busy, setBusy] = useState(false);
  const [warnings, setWarnings] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const toast = useToast();
  const navigate = useNavigate();
  const chosen = team || teams[0] || '';
  const install = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = await treeApi.installExample(ex.key, chosen);
      toast.success(`Installed “${res.tree.title}”`);
      setWarnings(res.warnings);
      onInstalled();
      if (res.warnings.length === 0) navigate(`/runbooks/trees/${encodeURIComponent(res.tree.slug)}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="tree-example" data-testid={`example-${ex.key}`}>
      <h3>{ex.title}</h3>
      <p className="muted small">{ex.description}</p>
      <p className="small">
        {ex.node_count} nodes · runs {ex.runbooks.map((r) => <Mono key={r}>{r}</Mono>).reduce<React.ReactNode[]>((acc, el, i) => (i ? [...acc, ', ', el] : [el]), [])}
      </p>
      {ex.installed_as.length > 0 && (
        <p className="small">
          Installed as{' '}
          {ex.installed_as.map((s) => (
            <Link key={s} to={`/runbooks/trees/${encodeURIComponent(s)}`}>
              {s}{' '}
            </Link>
          ))}
        </p>
      )}
      {teams.length > 0 ? (
        <div className="tree-example-install">
          <label className="small" htmlFor={`ex-team-${ex.key}`}>
            For team
          </label>
          <select id={`ex-team-${ex.key}`} className="input select" value={chosen} onChange={(e) => setTeam(e.target.value)}>
            {teams.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <Button variant="primary" busy={busy} onClick={() => void install()}>
            Install example
          </Button>
        </div>
      ) : (
        <p className="muted small">Installing needs the responder role on a team.</p>
      )}
      {error && <Banner>{error}</Banner>}
      {warnings.length > 0 && (
        <Banner tone="warning" title="Installed with placeholders">
          <ul className="banner-list">
            {warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </Banner>
      )}
    </div>
  );
}
