import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { Field, FormErrorBanner, useFocusFirstInvalid } from '../../components/Form';
import { Icon } from '../../components/Icon';
import { Modal } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Avatar, Badge, Button, EmptyState, LoadError, Loading, PageHeader, RelativeTime } from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { usePagedList } from '../../lib/usePagedList';
import { useTitle } from '../../lib/useTitle';
import type { User } from '../../types';

function timeZones(): string[] {
  // Not in every browser's typings/implementations; a free-text field still works without it.
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

function CreateUserModal({ onClose, onCreated }: { onClose(): void; onCreated(u: User): void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [timezone, setTimezone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [password, setPassword] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, errors);
  const tzList = useId();
  const zones = useMemo(timeZones, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password && password.length < 12) {
      setErrors({ message: 'Please fix the highlighted fields', fields: { password: 'At least 12 characters' } });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      onCreated(
        await api.users.create({
          email: email.trim(),
          name: name.trim(),
          timezone: timezone.trim() || undefined,
          password: password || undefined,
          is_admin: isAdmin,
        }),
      );
    } catch (err) {
      setErrors(formErrors(err));
      setBusy(false);
    }
  };

  return (
    <Modal
      title="New user"
      width={560}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="create-user" variant="primary" busy={busy}>
            Create user
          </Button>
        </>
      }
    >
      <form ref={formRef} id="create-user" className="stack" onSubmit={(e) => void submit(e)} noValidate>
        <FormErrorBanner errors={errors} shownFields={['email', 'name', 'timezone', 'password', 'is_admin']} />
        <div className="grid-2">
          <Field label="Name" name="name" errors={errors}>
            {(p) => <input {...p} className="input" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
          </Field>
          <Field label="Email" name="email" errors={errors}>
            {(p) => <input {...p} className="input" type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />}
          </Field>
        </div>
        <Field label="Time zone" name="timezone" errors={errors} hint="Used for on-call schedules and notifications.">
          {(p) => (
            <>
              <input {...p} className="input" list={tzList} value={timezone} onChange={(e) => setTimezone(e.target.value)} />
              <datalist id={tzList}>
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field label="Initial password" name="password" errors={errors} optional hint="At least 12 characters. Leave empty for accounts that only use API tokens.">
          {(p) => <input {...p} className="input" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />}
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} />
          <span>
            <strong>Administrator</strong>
            <span className="muted small block">Full access: users, teams, every service and the audit log.</span>
          </span>
        </label>
      </form>
    </Modal>
  );
}

export function UsersPage() {
  useTitle('Users');
  const me = useCurrentUser();
  const toast = useToast();
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    const id = window.setTimeout(() => setQ(search.trim()), 250);
    return () => window.clearTimeout(id);
  }, [search]);

  const list = usePagedList((cursor, signal) => api.users.list({ limit: 100, cursor, q }, signal), [q]);

  return (
    <>
      <PageHeader
        title="Users"
        subtitle="People who can sign in, be paged and own work in Ballast."
        actions={
          me.is_admin && (
            <Button variant="primary" icon="plus" onClick={() => setCreating(true)}>
              New user
            </Button>
          )
        }
      />
      <div className="toolbar">
        <div className="search">
          <Icon name="search" size={15} />
          <input className="input" type="search" placeholder="Search by name or email…" aria-label="Search users" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
      </div>
      {list.error ? (
        <LoadError error={list.error} onRetry={list.reload} what="users" />
      ) : list.loading && list.items.length === 0 ? (
        <Loading />
      ) : list.items.length === 0 ? (
        <div className="card">
          <EmptyState icon="search" title="No users match" />
        </div>
      ) : (
        <div className={`card card-flush${list.loading ? ' is-refreshing' : ''}`}>
          <table className="table" data-testid="users-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th>Teams</th>
                <th>Time zone</th>
                <th>Status</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((u) => (
                <tr key={u.id} className={u.disabled ? 'row-muted' : undefined}>
                  <td>
                    <span className="person">
                      <Avatar name={u.name || u.email} size={24} />
                      <Link to={`/users/${encodeURIComponent(u.id)}`} className="row-title">
                        {u.name || u.email}
                      </Link>
                      {u.id === me.id && <span className="muted small">(you)</span>}
                    </span>
                  </td>
                  <td>{u.email}</td>
                  <td>
                    {Object.keys(u.teams).length === 0 ? (
                      <span className="muted">—</span>
                    ) : (
                      <span className="chips">
                        {Object.entries(u.teams).map(([slug, role]) => (
                          <Link key={slug} to={`/teams/${slug}`} className="chip" title={role}>
                            {slug}
                            <span className="chip-sub">{role}</span>
                          </Link>
                        ))}
                      </span>
                    )}
                  </td>
                  <td className="muted">{u.timezone}</td>
                  <td>
                    <span className="chips">
                      {u.disabled ? <Badge tone="red">disabled</Badge> : <Badge tone="green">active</Badge>}
                      {u.is_admin && <Badge tone="violet">admin</Badge>}
                    </span>
                  </td>
                  <td className="muted">
                    <RelativeTime iso={u.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="table-footer">
            <span className="muted">
              {list.items.length} user{list.items.length === 1 ? '' : 's'}
              {list.hasMore ? ' shown' : ''}
            </span>
            {list.hasMore && (
              <Button size="sm" busy={list.loadingMore} onClick={list.loadMore}>
                Load more
              </Button>
            )}
          </div>
        </div>
      )}
      {creating && (
        <CreateUserModal
          onClose={() => setCreating(false)}
          onCreated={(u) => {
            setCreating(false);
            toast.success(`User ${u.email} created`);
            list.reload();
          }}
        />
      )}
    </>
  );
}
