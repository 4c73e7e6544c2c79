// Settings: communication templates for incident status updates (admins and team managers edit).
import { useState } from 'react';
import { useCurrentUser } from '../../auth';
import { Field, FormErrorBanner } from '../../components/Form';
import { Markdown } from '../../components/Markdown';
import { ConfirmDialog, Modal } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Badge, Button, Card, EmptyState, LoadError, Loading, Mono, PageHeader } from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { managedTeamSlugs } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import '../../styles/incident-updates.css';
import { AudienceBadge } from './UpdatesPanel';
import { updatesApi, type Audience, type CommunicationTemplate, type TemplateInput } from './updates-api';

const STATUSES = ['investigating', 'identified', 'mitigated', 'resolved'] as const;

/** Sample values, so the preview reads like a real update. */
const SAMPLE: Record<string, string> = {
  service: 'Checkout',
  services: 'Checkout, Ledger',
  severity: 'SEV2',
  severity_name: 'Major',
  status: 'Investigating',
  title: 'Card payments failing',
  impact: 'Some customers cannot pay by card.',
  next_update: '2026-11-22 22:40 UTC',
  incident: 'INC-42',
  commander: 'Ana Silva',
  url: 'https://ballast.example.com/incidents/INC-42',
};

export function CommunicationTemplatesPage() {
  useTitle('Communication templates');
  const user = useCurrentUser();
  const managed = managedTeamSlugs(user);
  const canEdit = managed === null || managed.length > 0;
  const q = useQuery((signal) => updatesApi.templates(signal), []);
  const [editing, setEditing] = useState<CommunicationTemplate | 'new' | null>(null);
  const [deleting, setDeleting] = useState<CommunicationTemplate | null>(null);
  const toast = useToast();

  return (
    <div className="stack-lg">
      <PageHeader
        title="Communication templates"
        subtitle="Wording for incident status updates. Variables like {{services}} are filled from the incident when an update is written."
        back={{ to: '/incidents', label: 'Incidents' }}
        actions={
          canEdit && (
            <Button variant="primary" icon="plus" onClick={() => setEditing('new')}>
              New template
            </Button>
          )
        }
      />
      {q.loading && !q.data ? (
        <Loading />
      ) : !q.data ? (
        <LoadError error={q.error} onRetry={q.reload} what="templates" />
      ) : q.data.data.length === 0 ? (
        <EmptyState title="No templates">Create one to give responders a head start on status updates.</EmptyState>
      ) : (
        (['internal', 'external'] as const).map((audience) => (
          <Card key={audience} title={audience === 'internal' ? 'Internal (responders, stakeholders)' : 'External (customers, status page)'} flush>
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Fits</th>
                  <th>Variables</th>
                  {canEdit && <th aria-label="Actions" />}
                </tr>
              </thead>
              <tbody>
                {q.data!.data
                  .filter((t) => t.audience === audience)
                  .map((t) => (
                    <tr key={t.id}>
                      <td>
                        <div className="row-title-plain">{t.name}</div>
                        <Mono>{t.slug}</Mono>
                      </td>
                      <td>
                        {[...t.severities, ...t.statuses].map((x) => (
                          <Badge key={x}>{x}</Badge>
                        ))}
                        {t.severities.length + t.statuses.length === 0 && <span className="muted">any</span>}
                      </td>
                      <td className="muted">{t.variables.join(', ') || '—'}</td>
                      {canEdit && (
                        <td className="num">
                          <Button size="sm" variant="ghost" onClick={() => setEditing(t)}>
                            Edit
                          </Button>
                          <Button size="sm" variant="ghost" onClick={() => setDeleting(t)}>
                            Delete
                          </Button>
                        </td>
                      )}
                    </tr>
                  ))}
              </tbody>
            </table>
          </Card>
        ))
      )}
      {editing && (
        <TemplateForm
          template={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            q.reload();
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete “${deleting.name}”?`}
          confirmLabel="Delete template"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await updatesApi.deleteTemplate(deleting.slug);
            toast.success('Template deleted');
            setDeleting(null);
            q.reload();
          }}
        >
          Updates already written from it keep their text.
        </ConfirmDialog>
      )}
    </div>
  );
}

function TemplateForm({ template, onClose, onSaved }: { template: CommunicationTemplate | null; onClose(): void; onSaved(): void }) {
  const toast = useToast();
  const variables = useQuery((signal) => updatesApi.variables(signal), []);
  const [slug, setSlug] = useState(template?.slug ?? '');
  const [name, setName] = useState(template?.name ?? '');
  const [audience, setAudience] = useState<Audience>(template?.audience ?? 'internal');
  const [statuses, setStatuses] = useState<string[]>(template?.statuses ?? []);
  const [severities, setSeverities] = useState(template?.severities.join(', ') ?? '');
  const [body, setBody] = useState(template?.body ?? '');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);

  async function save() {
    setBusy(true);
    setErrors(NO_ERRORS);
    const input: TemplateInput = {
      name,
      audience,
      statuses,
      severities: severities.split(',').map((s) => s.trim()).filter(Boolean),
      body,
    };
    try {
      if (template) await updatesApi.updateTemplate(template.slug, input);
      else await updatesApi.createTemplate({ ...input, slug });
      toast.success(template ? 'Template saved' : 'Template created');
      onSaved();
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  }

  const preview = body.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, v: string) => SAMPLE[v] ?? whole);

  return (
    <Modal
      title={template ? `Edit “${template.name}”` : 'New communication template'}
      onClose={onClose}
      width={820}
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="primary" busy={busy} onClick={() => void save()}>
            {template ? 'Save' : 'Create'}
          </Button>
        </>
      }
    >
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <FormErrorBanner errors={errors} shownFields={['slug', 'name', 'audience', 'statuses', 'severities', 'body']} />
        {!template && (
          <Field label="Slug" name="slug" errors={errors} hint="Lowercase letters, digits and dashes; used in the apply YAML">
            {(p) => <input {...p} className="input mono-input" value={slug} onChange={(e) => setSlug(e.target.value)} />}
          </Field>
        )}
        <Field label="Name" name="name" errors={errors}>
          {(p) => <input {...p} className="input" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Audience" name="audience" errors={errors}>
          {(p) => (
            <select {...p} className="input select" value={audience} onChange={(e) => setAudience(e.target.value as Audience)}>
              <option value="internal">Internal (responders, stakeholders)</option>
              <option value="external">External (customers, status page)</option>
            </select>
          )}
        </Field>
        <fieldset className="audience-choice">
          <legend>Fits these statuses (none = any)</legend>
          {STATUSES.map((s) => (
            <label key={s}>
              <input
                type="checkbox"
                checked={statuses.includes(s)}
                onChange={(e) => setStatuses(e.target.checked ? [...statuses, s] : statuses.filter((x) => x !== s))}
              />{' '}
              {s}
            </label>
          ))}
        </fieldset>
        <Field label="Fits these severities" name="severities" errors={errors} optional hint="Comma-separated severity keys, e.g. SEV1, SEV2; empty = any">
          {(p) => <input {...p} className="input" value={severities} onChange={(e) => setSeverities(e.target.value)} />}
        </Field>
        <div className="grid-2">
          <Field label="Body (Markdown)" name="body" errors={errors}>
            {(p) => <textarea {...p} className="input update-editor" rows={14} value={body} onChange={(e) => setBody(e.target.value)} />}
          </Field>
          <div>
            <div className="composer-field">Preview with sample values</div>
            <div className="update-preview">{body.trim() ? <Markdown source={preview} /> : <p className="muted">Nothing to preview yet.</p>}</div>
          </div>
        </div>
        {variables.data && (
          <details>
            <summary>Variables</summary>
            <ul>
              {variables.data.data.map((v) => (
                <li key={v.name}>
                  <Mono>{`{{${v.name}}}`}</Mono> — {v.description}
                </li>
              ))}
            </ul>
          </details>
        )}
      </form>
    </Modal>
  );
}
