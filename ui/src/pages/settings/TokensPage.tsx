import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Field, FormErrorBanner } from '../../components/Form';
import { ConfirmDialog } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Badge, Banner, Button, Card, CopyButton, EmptyState, LoadError, Loading, Mono, PageHeader, RelativeTime } from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import type { ApiToken, ApiTokenCreated } from '../../types';

const EXPIRY_CHOICES = [
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: 0, label: 'Never' },
];

function tokenStatus(t: ApiToken): { label: string; tone: 'green' | 'red' | 'neutral' | 'amber' } {
  if (t.revoked_at) return { label: 'revoked', tone: 'neutral' };
  if (t.expires_at && Date.parse(t.expires_at) <= Date.now()) return { label: 'expired', tone: 'red' };
  if (t.expires_at && Date.parse(t.expires_at) - Date.now() < 7 * 86400_000) return { label: 'expires soon', tone: 'amber' };
  return { label: 'active', tone: 'green' };
}

function CreateTokenForm({ onCreated }: { onCreated(t: ApiTokenCreated): void }) {
  const [name, setName] = useState('');
  const [days, setDays] = useState(90);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      onCreated(await api.tokens.create({ name: name.trim(), ...(days ? { expires_in_days: days } : {}) }));
      setName('');
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="stack" onSubmit={(e) => void submit(e)} noValidate aria-label="Create API token">
      <FormErrorBanner errors={errors} shownFields={['name', 'expires_in_days']} />
      <div className="form-row">
        <Field label="Token name" name="name" errors={errors} hint="Say where it is used, e.g. “ci-deploy” or “laptop CLI”.">
          {(p) => <input {...p} className="input" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} placeholder="ci-deploy" />}
        </Field>
        <Field label="Expires" name="expires_in_days" errors={errors}>
          {(p) => (
            <select {...p} className="input select" value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {EXPIRY_CHOICES.map((c) => (
                <option key={c.days} value={c.days}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="form-row-action">
          <Button type="submit" variant="primary" icon="key" busy={busy} disabled={!name.trim()}>
            Create token
          </Button>
        </div>
      </div>
    </form>
  );
}

export function TokensPage() {
  useTitle('API tokens');
  const toast = useToast();
  const tokens = useQuery(() => api.tokens.list(), []);
  const [created, setCreated] = useState<ApiTokenCreated | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  return (
    <>
      <PageHeader title="API tokens" subtitle="Personal tokens for the Ballast CLI, scripts and CI. A token acts with your permissions." />

      <div className="stack-lg">
        <Card title="Create a token">
          <CreateTokenForm
            onCreated={(t) => {
              setCreated(t);
              tokens.reload();
            }}
          />
          {created && (
            <div className="secret-callout" data-testid="new-token">
              <div className="secret-callout-head">
                <strong>Token “{created.name}” created.</strong> Copy it now: Ballast stores only a hash and will not show it again.
              </div>
              <div className="secret-row">
                <code className="secret" aria-label="New API token">
                  {created.token}
                </code>
                <CopyButton text={created.token} />
              </div>
              <div className="muted small">
                Use it as <Mono>Authorization: Bearer &lt;token&gt;</Mono> or with <Mono>ballast --token</Mono>.{' '}
                <button type="button" className="link-button" onClick={() => setCreated(null)}>
                  I have stored it — hide
                </button>
              </div>
            </div>
          )}
        </Card>

        <Card title="Your tokens" flush>
          {tokens.error ? (
            <div className="card-pad">
              <LoadError error={tokens.error} onRetry={tokens.reload} what="tokens" />
            </div>
          ) : !tokens.data ? (
            <Loading />
          ) : tokens.data.data.length === 0 ? (
            <EmptyState icon="key" title="No tokens yet">
              Create one above to use the CLI or call the API from scripts.
            </EmptyState>
          ) : (
            <table className="table" data-testid="tokens-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Prefix</th>
                  <th>Status</th>
                  <th>Created</th>
                  <th>Last used</th>
                  <th>Expires</th>
                  <th className="col-actions" aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {tokens.data.data.map((t) => {
                  const st = tokenStatus(t);
                  const inactive = Boolean(t.revoked_at) || st.label === 'expired';
                  return (
                    <tr key={t.id} className={inactive ? 'row-muted' : undefined}>
                      <td className="row-title-plain">{t.name}</td>
                      <td>
                        <Mono>{t.prefix}…</Mono>
                      </td>
                      <td>
                        <Badge tone={st.tone}>{st.label}</Badge>
                      </td>
                      <td>
                        <RelativeTime iso={t.created_at} />
                      </td>
                      <td>{t.last_used_at ? <RelativeTime iso={t.last_used_at} /> : <span className="muted">never</span>}</td>
                      <td>{t.revoked_at ? <span className="muted">—</span> : t.expires_at ? <RelativeTime iso={t.expires_at} /> : <span className="muted">never</span>}</td>
                      <td className="col-actions">
                        {!t.revoked_at && (
                          <Button size="sm" variant="ghost" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
                            Revoke
                          </Button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </Card>
        <Banner tone="info">Revoking a token takes effect immediately for every script and job using it.</Banner>
      </div>

      {revoking && (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          danger
          confirmLabel="Revoke token"
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await api.tokens.revoke(revoking.id);
            if (created?.id === revoking.id) setCreated(null);
            setRevoking(null);
            tokens.reload();
            toast.success(`Token ${revoking.name} revoked`);
          }}
        >
          <p>
            Anything using the token <Mono>{revoking.prefix}…</Mono> will get “401 Unauthorized” from now on. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
