import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { Field, FormErrorBanner, useFocusFirstInvalid } from '../../components/Form';
import { Modal } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Avatar, Button, EmptyState, LoadError, Loading, Mono, PageHeader } from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { usePagedList } from '../../lib/usePagedList';
import { useNameWithSlug } from '../../lib/useNameWithSlug';
import { useTitle } from '../../lib/useTitle';
import type { Team } from '../../types';

function CreateTeamModal({ onClose, onCreated }: { onClose(): void; onCreated(team: Team): void }) {
  const { name, slug, setName, setSlug } = useNameWithSlug('', '', false);
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, errors);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      onCreated(await api.teams.create({ slug: slug.trim(), name: name.trim(), description }));
    } catch (err) {
      setErrors(formErrors(err));
      setBusy(false);
    }
  };

  return (
    <Modal
      title="New team"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="create-team" variant="primary" busy={busy}>
            Create team
          </Button>
        </>
      }
    >
      <form ref={formRef} id="create-team" className="stack" onSubmit={(e) => void submit(e)} noValidate>
        <FormErrorBanner errors={errors} shownFields={['name', 'slug', 'description']} />
        <Field label="Name" name="name" errors={errors}>
          {(p) => (
            <input
              {...p}
              className="input"
              value={name}
              placeholder="Payments"
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <Field label="Slug" name="slug" errors={errors} hint="Used in URLs, the CLI and config files. Cannot be changed later.">
          {(p) => (
            <input
              {...p}
              className="input mono-input"
              value={slug}
              placeholder="payments"
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => setSlug(e.target.value)}
            />
          )}
        </Field>
        <Field label="Description" name="description" errors={errors} optional>
          {(p) => <textarea {...p} className="input" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
      </form>
    </Modal>
  );
}

function MemberStack({ team }: { team: Team }) {
  const shown = team.members.slice(0, 5);
  return (
    <span className="avatar-stack" title={team.members.map((m) => m.name || m.email).join(', ')}>
      {shown.map((m) => (
        <Avatar key={m.user_id} name={m.name || m.email} size={22} />
      ))}
      {team.members.length > shown.length && <span className="avatar-more">+{team.members.length - shown.length}</span>}
    </span>
  );
}

export function TeamsPage() {
  useTitle('Teams');
  const user = useCurrentUser();
  const navigate = useNavigate();
  const toast = useToast();
  const [creating, setCreating] = useState(false);
  const list = usePagedList((cursor) => api.teams.list({ limit: 100, cursor }), []);

  return (
    <>
      <PageHeader
        title="Teams"
        subtitle="Teams own services and carry the pager for them."
        actions={
          user.is_admin && (
            <Button variant="primary" icon="plus" onClick={() => setCreating(true)}>
              New team
            </Button>
          )
        }
      />
      {list.error ? (
        <LoadError error={list.error} onRetry={list.reload} what="teams" />
      ) : list.loading ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <div className="card">
          <EmptyState icon="users" title="No teams yet" action={user.is_admin && <Button variant="primary" icon="plus" onClick={() => setCreating(true)}>Create a team</Button>}>
            Services need an owning team. Create one for each group that carries a pager.
          </EmptyState>
        </div>
      ) : (
        <div className="card card-flush">
          <table className="table" data-testid="teams-table">
            <thead>
              <tr>
                <th>Team</th>
                <th>Description</th>
                <th>Members</th>
                <th className="col-narrow">Your role</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((t) => (
                <tr key={t.id}>
                  <td>
                    <Link to={`/teams/${t.slug}`} className="row-title">
                      {t.name}
                    </Link>
                    <div>
                      <Mono>{t.slug}</Mono>
                    </div>
                  </td>
                  <td className="cell-clamp">{t.description || <span className="muted">—</span>}</td>
                  <td>
                    {t.members.length ? (
                      <span className="members-cell">
                        <MemberStack team={t} /> <span className="muted">{t.members.length}</span>
                      </span>
                    ) : (
                      <span className="muted">No members</span>
                    )}
                  </td>
                  <td>{user.teams[t.slug] ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.hasMore && (
            <div className="table-footer">
              <span />
              <Button size="sm" busy={list.loadingMore} onClick={list.loadMore}>
                Load more
              </Button>
            </div>
          )}
        </div>
      )}
      {creating && (
        <CreateTeamModal
          onClose={() => setCreating(false)}
          onCreated={(team) => {
            toast.success(`Team ${team.slug} created`);
            navigate(`/teams/${team.slug}`);
          }}
        />
      )}
    </>
  );
}
