import { useId, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, errorMessage } from '../../api';
import { useAuth, useCurrentUser } from '../../auth';
import { Field, FormErrorBanner } from '../../components/Form';
import { ConfirmDialog, Modal } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import {
  Avatar,
  Banner,
  Button,
  ButtonLink,
  Card,
  EmptyState,
  LoadError,
  Loading,
  Mono,
  PageHeader,
  RoleBadge,
  TierBadge,
} from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { canManageTeam } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { TeamLoadCard } from '../oncall/LoadCard';
import { TEAM_ROLES, type Team, type TeamMember, type TeamRole } from '../../types';

const ROLE_HELP: Record<TeamRole, string> = {
  viewer: 'Sees the team’s services, alerts and incidents',
  responder: 'Acknowledges and resolves alerts and incidents',
  manager: 'Also manages members, services and schedules',
};

function AddMemberForm({ team, onChanged }: { team: Team; onChanged(t: Team): void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<TeamRole>('responder');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const listId = useId();
  // Suggestions only; any existing user's email is accepted by the API.
  const users = useQuery((signal) => api.users.list({ limit: 500 }, signal), []);
  const memberIds = new Set(team.members.map((m) => m.user_id));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!email.trim()) return;
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.teams.putMember(team.slug, email.trim(), role));
      setEmail('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} aria-label="Add member">
      <input
        className="input"
        type="email"
        placeholder="Add by email…"
        aria-label="Member email"
        list={listId}
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        autoComplete="off"
      />
      <datalist id={listId}>
        {users.data?.data
          .filter((u) => !memberIds.has(u.id) && !u.disabled)
          .map((u) => (
            <option key={u.id} value={u.email}>
              {u.name}
            </option>
          ))}
      </datalist>
      <select className="input select" aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
        {TEAM_ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <Button type="submit" variant="primary" icon="plus" busy={busy} disabled={!email.trim()}>
        Add
      </Button>
      {error && (
        <div className="inline-form-error" role="alert">
          {error}
        </div>
      )}
    </form>
  );
}

function EditTeamModal({ team, onClose, onSaved }: { team: Team; onClose(): void; onSaved(t: Team): void }) {
  const [name, setName] = useState(team.name);
  const [description, setDescription] = useState(team.description);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      onSaved(await api.teams.update(team.slug, { name: name.trim(), description }));
    } catch (err) {
      setErrors(formErrors(err));
      setBusy(false);
    }
  };
  return (
    <Modal
      title={`Edit ${team.name}`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="edit-team" variant="primary" busy={busy}>
            Save
          </Button>
        </>
      }
    >
      <form id="edit-team" className="stack" onSubmit={(e) => void submit(e)} noValidate>
        <FormErrorBanner errors={errors} shownFields={['name', 'description']} />
        <Field label="Name" name="name" errors={errors}>
          {(p) => <input {...p} className="input" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Description" name="description" errors={errors} optional>
          {(p) => <textarea {...p} className="input" rows={4} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
      </form>
    </Modal>
  );
}

export function TeamDetailPage() {
  const { slug = '' } = useParams();
  const user = useCurrentUser();
  const { refresh } = useAuth();
  const navigate = useNavigate();
  const toast = useToast();
  const team = useQuery(() => api.teams.get(slug), [slug]);
  const services = useQuery((signal) => api.services.list({ team: slug, limit: 100 }, signal), [slug]);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [removing, setRemoving] = useState<TeamMember | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  useTitle(team.data?.name ?? slug);

  if (team.error) {
    return (
      <>
        <PageHeader title={slug} back={{ to: '/teams', label: 'Teams' }} />
        <LoadError error={team.error} onRetry={team.reload} what="the team" />
      </>
    );
  }
  if (!team.data) return <Loading />;
  const t = team.data;
  const canManage = canManageTeam(user, t.slug);

  /** Applies a membership change; the signed-in user's own roles may have changed with it. */
  const applied = (next: Team, affectsEmail?: string) => {
    team.setData(next);
    if (affectsEmail === user.email || !affectsEmail) void refresh();
  };

  const changeRole = async (m: TeamMember, role: TeamRole) => {
    setRowError(null);
    try {
      applied(await api.teams.putMember(t.slug, m.email, role), m.email);
      toast.success(`${m.name || m.email} is now ${role}`);
    } catch (err) {
      setRowError(errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader
        back={{ to: '/teams', label: 'Teams' }}
        title={t.name}
        subtitle={
          <>
            <Mono>{t.slug}</Mono>
            <span className="dot-sep" />
            {t.members.length} member{t.members.length === 1 ? '' : 's'}
          </>
        }
        actions={
          <>
            {canManage && (
              <Button icon="edit" onClick={() => setEditing(true)}>
                Edit
              </Button>
            )}
            {user.is_admin && (
              <Button variant="danger" icon="trash" onClick={() => setDeleting(true)}>
                Delete
              </Button>
            )}
          </>
        }
      />
      {t.description && <p className="lead">{t.description}</p>}

      <div className="detail-grid">
        <Card title="Members" flush actions={canManage && <AddMemberForm team={t} onChanged={(next) => applied(next)} />}>
          {rowError && (
            <div className="card-pad">
              <Banner>{rowError}</Banner>
            </div>
          )}
          {t.members.length === 0 ? (
            <EmptyState icon="users" title="No members yet">
              {canManage ? 'Add people by email above.' : 'A team manager or administrator can add members.'}
            </EmptyState>
          ) : (
            <table className="table" data-testid="members-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Email</th>
                  <th className="col-narrow">Role</th>
                  {canManage && <th className="col-actions" aria-label="Actions" />}
                </tr>
              </thead>
              <tbody>
                {t.members.map((m) => (
                  <tr key={m.user_id}>
                    <td>
                      <span className="person">
                        <Avatar name={m.name || m.email} size={24} />
                        {m.name || <span className="muted">—</span>}
                        {m.email === user.email && <span className="muted small">(you)</span>}
                      </span>
                    </td>
                    <td className="muted">{m.email}</td>
                    <td>
                      {canManage ? (
                        <select
                          className="input select input-sm"
                          aria-label={`Role of ${m.email}`}
                          value={m.role}
                          title={ROLE_HELP[m.role]}
                          onChange={(e) => void changeRole(m, e.target.value as TeamRole)}
                        >
                          {TEAM_ROLES.map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      ) : (
                        <span title={ROLE_HELP[m.role]}>
                          <RoleBadge role={m.role} />
                        </span>
                      )}
                    </td>
                    {canManage && (
                      <td className="col-actions">
                        <Button size="sm" variant="ghost" icon="x" onClick={() => setRemoving(m)} aria-label={`Remove ${m.email}`}>
                          Remove
                        </Button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>

        <Card
          title="Services"
          flush
          actions={canManage && <ButtonLink size="sm" to={`/services/new?team=${encodeURIComponent(t.slug)}`} icon="plus">New service</ButtonLink>}
        >
          {services.error ? (
            <div className="card-pad">
              <LoadError error={services.error} onRetry={services.reload} what="services" />
            </div>
          ) : !services.data ? (
            <Loading />
          ) : services.data.data.length === 0 ? (
            <EmptyState icon="layers" title="Owns no services" />
          ) : (
            <ul className="ref-list ref-list-rows">
              {services.data.data.map((s) => (
                <li key={s.id}>
                  <Link to={`/services/${s.slug}`}>
                    <TierBadge tier={s.tier} />
                    <span className="ref-name">{s.name}</span>
                    <Mono>{s.slug}</Mono>
                  </Link>
                </li>
              ))}
              {services.data.next_cursor && (
                <li className="muted small card-pad">
                  <Link to={`/services?team=${encodeURIComponent(t.slug)}`}>All services of {t.name} →</Link>
                </li>
              )}
            </ul>
          )}
        </Card>
      </div>

      <div className="section-gap">
        <TeamLoadCard team={t.slug} />
      </div>

      {editing && (
        <EditTeamModal
          team={t}
          onClose={() => setEditing(false)}
          onSaved={(next) => {
            team.setData(next);
            setEditing(false);
            toast.success('Team updated');
          }}
        />
      )}
      {removing && (
        <ConfirmDialog
          title="Remove member?"
          danger
          confirmLabel="Remove"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            const next = await api.teams.removeMember(t.slug, removing.email);
            applied(next, removing.email);
            setRemoving(null);
            toast.success(`${removing.name || removing.email} removed from ${t.name}`);
          }}
        >
          <p>
            <strong>{removing.name || removing.email}</strong> will no longer be part of {t.name} and will lose the {removing.role} role on its services.
          </p>
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${t.name}?`}
          danger
          confirmLabel="Delete team"
          typeToConfirm={t.slug}
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api.teams.remove(t.slug);
            void refresh();
            toast.success(`Team ${t.slug} deleted`);
            navigate('/teams', { replace: true });
          }}
        >
          <p>Teams that still own services cannot be deleted; move or delete their services first. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
