import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { Icon, type IconName } from '../../components/Icon';
import { ConfirmDialog } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Button, ButtonLink, Card, LoadError, Loading, Mono, PageHeader, RelativeTime, TIER_INFO, TierBadge } from '../../components/ui';
import { canManageTeam } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import type { Service, ServiceLinks, ServiceRef } from '../../types';
import { ServicePolicyCard } from './ServicePolicyCard';
import { AlertSettingsCard, IntegrationsCard, OpenAlertsCard, RecentChangesCard } from './ServiceAlerting';
import { ServiceIncidentsCard } from '../incidents/ServiceIncidentsCard';
import { ServiceRunbooksCard } from '../runbooks/ServiceRunbooksCard';

const LINK_LABELS: { key: keyof ServiceLinks; label: string; icon: IconName }[] = [
  { key: 'runbook', label: 'Runbook', icon: 'book' },
  { key: 'dashboard', label: 'Dashboard', icon: 'activity' },
  { key: 'repo', label: 'Repository', icon: 'changes' },
  { key: 'docs', label: 'Documentation', icon: 'postmortem' },
];

function RefList({ refs, empty }: { refs: ServiceRef[]; empty: string }) {
  if (refs.length === 0) return <p className="muted small">{empty}</p>;
  return (
    <ul className="ref-list">
      {refs.map((r) => (
        <li key={r.id}>
          <Link to={`/services/${r.slug}`}>
            <Icon name="layers" size={14} />
            <span className="ref-name">{r.name}</span>
            <Mono>{r.slug}</Mono>
          </Link>
        </li>
      ))}
    </ul>
  );
}

function Links({ links }: { links: ServiceLinks }) {
  const present = LINK_LABELS.filter((l) => links[l.key]);
  if (present.length === 0) return <p className="muted small">No links yet. Add the runbook and dashboard so responders find them fast.</p>;
  return (
    <ul className="link-list">
      {present.map((l) => (
        <li key={l.key}>
          {/* noopener: the target is user-provided; it must not get a handle on this tab. */}
          <a href={links[l.key]} target="_blank" rel="noopener noreferrer">
            <Icon name={l.icon} size={14} />
            <span>{l.label}</span>
            <Icon name="externalLink" size={12} className="muted" />
          </a>
          <div className="link-url">{links[l.key]}</div>
        </li>
      ))}
    </ul>
  );
}

export function ServiceDetailPage() {
  const { slug = '' } = useParams();
  const user = useCurrentUser();
  const navigate = useNavigate();
  const toast = useToast();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const svc = useQuery(() => api.services.get(slug), [slug]);
  useTitle(svc.data?.name ?? slug);

  if (svc.error) {
    return (
      <>
        <PageHeader title={slug} back={{ to: '/services', label: 'Services' }} />
        <LoadError error={svc.error} onRetry={svc.reload} what="the service" />
      </>
    );
  }
  if (!svc.data) return <Loading />;
  const s: Service = svc.data;
  const canManage = canManageTeam(user, s.team.slug);

  return (
    <>
      <PageHeader
        back={{ to: '/services', label: 'Services' }}
        title={
          <span className="title-with-badge">
            {s.name} <TierBadge tier={s.tier} />
          </span>
        }
        subtitle={
          <>
            <Mono>{s.slug}</Mono>
            <span className="dot-sep" />
            Owned by{' '}
            <Link to={`/teams/${s.team.slug}`} className="strong-link">
              {s.team.name}
            </Link>
          </>
        }
        actions={
          canManage && (
            <>
              <ButtonLink to={`/services/${s.slug}/edit`} icon="edit">
                Edit
              </ButtonLink>
              <Button variant="danger" icon="trash" onClick={() => setConfirmDelete(true)}>
                Delete
              </Button>
            </>
          )
        }
      />

      <div className="detail-grid">
        <div className="stack-lg">
          <Card title="About">
            {s.description ? <p className="prose">{s.description}</p> : <p className="muted">No description.</p>}
          </Card>
          <OpenAlertsCard service={s} />
          <ServiceIncidentsCard serviceSlug={s.slug} />
          <ServiceRunbooksCard serviceSlug={s.slug} />
          <IntegrationsCard service={s} canManage={canManage} />
          <Card title="Dependencies">
            <div className="two-col">
              <div>
                <h3 className="subhead">
                  Depends on <span className="count">{s.depends_on.length}</span>
                </h3>
                <RefList refs={s.depends_on} empty="No upstream dependencies." />
              </div>
              <div>
                <h3 className="subhead">
                  Dependents <span className="count">{s.dependents.length}</span>
                </h3>
                <RefList refs={s.dependents} empty="Nothing depends on this service." />
              </div>
            </div>
          </Card>
        </div>

        <aside className="stack-lg">
          <Card title="Details">
            <dl className="props">
              <dt>Owner</dt>
              <dd>
                <Link to={`/teams/${s.team.slug}`}>{s.team.name}</Link>
              </dd>
              <dt>Tier</dt>
              <dd>
                <TierBadge tier={s.tier} /> <span className="muted small">{TIER_INFO[s.tier].help}</span>
              </dd>
              <dt>Created</dt>
              <dd>
                <RelativeTime iso={s.created_at} />
              </dd>
              <dt>Updated</dt>
              <dd>
                <RelativeTime iso={s.updated_at} />
              </dd>
              <dt>ID</dt>
              <dd>
                <Mono>{s.id}</Mono>
              </dd>
            </dl>
          </Card>
          <Card title="Links">
            <Links links={s.links} />
          </Card>
          <ServicePolicyCard service={s} canManage={canManage} />
          <AlertSettingsCard service={s} canManage={canManage} />
          <RecentChangesCard service={s} />
        </aside>
      </div>

      {confirmDelete && (
        <ConfirmDialog
          title={`Delete ${s.name}?`}
          danger
          confirmLabel="Delete service"
          typeToConfirm={s.slug}
          onClose={() => setConfirmDelete(false)}
          onConfirm={async () => {
            await api.services.remove(s.slug);
            toast.success(`Service ${s.slug} deleted`);
            navigate('/services', { replace: true });
          }}
        >
          {s.dependents.length > 0 ? (
            <p>
              <strong>{s.dependents.length}</strong> service{s.dependents.length === 1 ? ' depends' : 's depend'} on it (
              {s.dependents.map((d) => d.slug).join(', ')}). Ballast refuses to delete it until those dependencies are removed.
            </p>
          ) : (
            <p>This removes the service from the catalog. The audit log keeps a record of it. This cannot be undone.</p>
          )}
        </ConfirmDialog>
      )}
    </>
  );
}
