import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { Field, FormErrorBanner } from '../../components/Form';
import { ConfirmDialog } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Avatar, Badge, Button, Card, EmptyState, LoadError, Loading, Mono, PageHeader } from '../../components/ui';
import { formatMinutes } from '../../lib/format';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { CONTACT_TYPES, type ContactMethod, type ContactType, type NotificationLog, type Urgency } from '../../types';
import { UserLoadCard } from '../oncall/LoadCard';
import { DeliveryTable } from './DeliveryTable';

const ADDRESS_HINT: Record<ContactType, string> = {
  email: 'name@example.com',
  webhook: 'https://hooks.example.com/ballast',
  slack: 'Slack incoming-webhook URL',
  teams: 'Microsoft Teams webhook URL',
  sms: 'E.164 phone number, e.g. +351912345678',
  voice: 'E.164 phone number, e.g. +351912345678',
};

const TYPE_LABEL: Record<ContactType, string> = { email: 'Email', webhook: 'Webhook', slack: 'Slack', teams: 'Teams', sms: 'SMS', voice: 'Voice call' };

export function ProfilePage() {
  useTitle('My profile');
  const me = useCurrentUser();
  const toast = useToast();
  const methods = useQuery(() => api.contactMethods.list('me'), []);
  const rules = useQuery(() => api.notificationRules.list('me'), []);
  const log = useQuery((signal) => api.notifications.list({ user: me.id, limit: 20 }, signal), [me.id]);
  const [deleting, setDeleting] = useState<ContactMethod | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const [lastTest, setLastTest] = useState<NotificationLog | null>(null);
  const [secret, setSecret] = useState<string | null>(null);

  const sendTest = async (m: ContactMethod) => {
    setTesting(m.id);
    try {
      const n = await api.contactMethods.test(m.id);
      setLastTest(n);
      log.reload();
      if (n.status === 'failed') toast.error(`Test to ${m.address} failed${n.error ? `: ${n.error}` : ''}`);
      else toast.success(`Test notification ${n.status}`);
    } catch (err) {
      toast.error(formErrors(err).message ?? 'Could not send the test');
    } finally {
      setTesting(null);
    }
  };

  const methodName = (id: string) => {
    const m = methods.data?.data.find((x) => x.id === id);
    return m ? `${TYPE_LABEL[m.type]} · ${m.label || m.address}` : id;
  };

  return (
    <>
      <PageHeader
        title={
          <span className="title-with-badge">
            <Avatar name={me.name || me.email} size={32} /> {me.name || me.email}
          </span>
        }
        subtitle={
          <>
            {me.email}
            <span className="dot-sep" />
            {me.timezone}
          </>
        }
      />
      <div className="stack-lg">
        <UserLoadCard user="me" />
        <Card title="Contact methods" flush>
          {methods.error ? (
            <div className="card-pad">
              <LoadError error={methods.error} onRetry={methods.reload} what="contact methods" />
            </div>
          ) : !methods.data ? (
            <Loading />
          ) : methods.data.data.length === 0 ? (
            <EmptyState icon="bell" title="No contact methods">
              Add at least one, or pages cannot reach you.
            </EmptyState>
          ) : (
            <table className="table" data-testid="contact-methods">
              <thead>
                <tr>
                  <th>Type</th>
                  <th>Address</th>
                  <th>Label</th>
                  <th className="col-actions" aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {methods.data.data.map((m) => (
                  <tr key={m.id}>
                    <td>
                      <Badge tone="blue">{TYPE_LABEL[m.type]}</Badge>
                    </td>
                    <td className="cell-clamp">
                      <Mono>{m.address}</Mono>
                    </td>
                    <td>{m.label || <span className="muted">—</span>}</td>
                    <td className="col-actions">
                      <div className="row-actions">
                        <Button size="sm" icon="bell" busy={testing === m.id} onClick={() => void sendTest(m)}>
                          Send test
                        </Button>
                        <Button size="sm" variant="ghost" icon="trash" aria-label={`Delete ${m.address}`} onClick={() => setDeleting(m)} />
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {lastTest && (
            <div className="card-pad" data-testid="test-result">
              <DeliveryTable items={[lastTest]} title="Test result" />
            </div>
          )}
          {secret && (
            <div className="card-pad">
              <div className="secret-callout">
                <div className="secret-callout-head">Webhook signing secret — shown once</div>
                <Mono>{secret}</Mono>
              </div>
            </div>
          )}
          <AddMethodForm
            onAdded={(m) => {
              toast.success('Contact method added');
              if (m.signing_secret) setSecret(m.signing_secret);
              methods.reload();
            }}
          />
        </Card>

        <Card title="Notification rules" flush>
          {rules.error ? (
            <div className="card-pad">
              <LoadError error={rules.error} onRetry={rules.reload} what="notification rules" />
            </div>
          ) : !rules.data ? (
            <Loading />
          ) : rules.data.data.length === 0 ? (
            <EmptyState icon="clock" title="No notification rules">
              Rules say which contact method to use, and how many minutes into a page.
            </EmptyState>
          ) : (
            <table className="table" data-testid="notification-rules">
              <thead>
                <tr>
                  <th>Urgency</th>
                  <th>After</th>
                  <th>Contact method</th>
                  <th className="col-actions" aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {[...rules.data.data]
                  .sort((a, b) => a.urgency.localeCompare(b.urgency) || a.delay_minutes - b.delay_minutes)
                  .map((r) => (
                    <tr key={r.id}>
                      <td>
                        <Badge tone={r.urgency === 'high' ? 'red' : 'neutral'}>{r.urgency}</Badge>
                      </td>
                      <td>{r.delay_minutes === 0 ? 'Immediately' : formatMinutes(r.delay_minutes)}</td>
                      <td>{methodName(r.contact_method_id)}</td>
                      <td className="col-actions">
                        <Button
                          size="sm"
                          variant="ghost"
                          icon="trash"
                          aria-label="Delete rule"
                          onClick={() =>
                            void api.notificationRules.remove(r.id).then(
                              () => {
                                toast.success('Rule deleted');
                                rules.reload();
                              },
                              (err: unknown) => toast.error(formErrors(err).message ?? 'Could not delete'),
                            )
                          }
                        />
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
          {methods.data && methods.data.data.length > 0 && (
            <AddRuleForm
              methods={methods.data.data}
              onAdded={() => {
                toast.success('Rule added');
                rules.reload();
              }}
            />
          )}
        </Card>

        <Card title="Recent notifications" flush>
          {log.error ? (
            <div className="card-pad">
              <LoadError error={log.error} onRetry={log.reload} what="the delivery log" />
            </div>
          ) : !log.data ? (
            <Loading />
          ) : log.data.data.length === 0 ? (
            <EmptyState icon="bell" title="Nothing sent to you yet" />
          ) : (
            <DeliveryTable items={log.data.data} />
          )}
        </Card>
      </div>

      {deleting && (
        <ConfirmDialog
          title="Delete this contact method?"
          confirmLabel="Delete"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.contactMethods.remove(deleting.id);
            setDeleting(null);
            toast.success('Contact method deleted');
            methods.reload();
            rules.reload();
          }}
        >
          <p>
            <Mono>{deleting.address}</Mono> and the notification rules that use it are removed.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function AddMethodForm({ onAdded }: { onAdded(m: ContactMethod): void }) {
  const [type, setType] = useState<ContactType>('email');
  const [address, setAddress] = useState('');
  const [label, setLabel] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!address.trim()) return setErrors({ message: 'Please fix the highlighted fields', fields: { address: 'Required' } });
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      const m = await api.contactMethods.create('me', { type, address: address.trim(), ...(label.trim() ? { label: label.trim() } : {}) });
      setAddress('');
      setLabel('');
      onAdded(m);
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card-pad inline-add" onSubmit={(e) => void submit(e)} noValidate aria-label="Add contact method">
      <FormErrorBanner errors={errors} shownFields={['type', 'address', 'label']} />
      <div className="inline-add-row">
        <Field label="Type" name="type" errors={errors}>
          {(p) => (
            <select {...p} className="input select" value={type} onChange={(e) => setType(e.target.value as ContactType)}>
              {CONTACT_TYPES.map((t) => (
                <option key={t} value={t}>
                  {TYPE_LABEL[t]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Address" name="address" errors={errors}>
          {(p) => <input {...p} className="input" value={address} placeholder={ADDRESS_HINT[type]} onChange={(e) => setAddress(e.target.value)} />}
        </Field>
        <Field label="Label" name="label" errors={errors} optional>
          {(p) => <input {...p} className="input" value={label} placeholder="e.g. Work phone" onChange={(e) => setLabel(e.target.value)} />}
        </Field>
        <div className="form-row-action">
          <Button type="submit" variant="primary" icon="plus" busy={busy}>
            Add
          </Button>
        </div>
      </div>
    </form>
  );
}

function AddRuleForm({ methods, onAdded }: { methods: ContactMethod[]; onAdded(): void }) {
  const [method, setMethod] = useState(methods[0]!.id);
  const [urgency, setUrgency] = useState<Urgency>('high');
  const [delay, setDelay] = useState(0);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const current = methods.some((m) => m.id === method) ? method : methods[0]!.id;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await api.notificationRules.create('me', { contact_method_id: current, urgency, delay_minutes: delay });
      onAdded();
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card-pad inline-add" onSubmit={(e) => void submit(e)} noValidate aria-label="Add notification rule">
      <FormErrorBanner errors={errors} shownFields={['contact_method_id', 'urgency', 'delay_minutes']} />
      <div className="inline-add-row">
        <Field label="Contact method" name="contact_method_id" errors={errors}>
          {(p) => (
            <select {...p} className="input select" value={current} onChange={(e) => setMethod(e.target.value)}>
              {methods.map((m) => (
                <option key={m.id} value={m.id}>
                  {TYPE_LABEL[m.type]} · {m.label || m.address}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Urgency" name="urgency" errors={errors}>
          {(p) => (
            <select {...p} className="input select" value={urgency} onChange={(e) => setUrgency(e.target.value as Urgency)}>
              <option value="high">High</option>
              <option value="low">Low</option>
            </select>
          )}
        </Field>
        <Field label="Minutes into the page" name="delay_minutes" errors={errors}>
          {(p) => <input {...p} type="number" min={0} max={1440} className="input" value={delay} onChange={(e) => setDelay(Math.max(0, Number(e.target.value) || 0))} />}
        </Field>
        <div className="form-row-action">
          <Button type="submit" variant="primary" icon="plus" busy={busy}>
            Add rule
          </Button>
        </div>
      </div>
    </form>
  );
}
