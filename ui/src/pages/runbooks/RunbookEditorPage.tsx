import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../../api';
import { useCurrentUser } from '../../auth';
import { Field, FormErrorBanner, useFocusFirstInvalid } from '../../components/Form';
import { ServicePicker } from '../../components/ServicePicker';
import { useToast } from '../../components/Toast';
import { Banner, Button, LoadError, Loading, PageHeader } from '../../components/ui';
import { slugify } from '../../lib/format';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { hasTeamRole } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { useNameWithSlug } from '../../lib/useNameWithSlug';
import type { ServiceRef } from '../../types';
import { KIND_LABELS, runbookApi, SUBKINDS, type HttpAction, type Runbook, type RunbookContent, type RunbookKind, type RunbookStep, type RunbookTemplate, type SopSubkind } from './library-api';
import { Section, StepCard } from './library-parts';

const EMPTY: RunbookContent = { purpose: '', prerequisites: '', steps: [{ id: 'step-1', title: '', instruction: '', expected: '', on_failure: '' }], verification: '', rollback: '', contacts: [], related: [] };

export function RunbookEditorPage() {
  const { slug } = useParams();
  const existing = useQuery((signal) => (slug ? runbookApi.get(slug, signal) : Promise.resolve(null)), [slug]);
  useTitle(slug ? `Edit ${existing.data?.title ?? 'runbook'}` : 'New runbook');
  if (slug && existing.error) return <LoadError error={existing.error} onRetry={existing.reload} what="the runbook" />;
  if (slug && !existing.data) return <Loading />;
  return <RunbookForm key={slug ?? 'new'} rb={existing.data ?? null} />;
}

/** A fresh step id that is unique in the runbook (ids stay stable across versions for run statistics). */
function freshId(title: string, steps: RunbookStep[]): string {
  const base = slugify(title) || 'step';
  let id = base;
  for (let i = 2; steps.some((s) => s.id === id); i++) id = `${base.slice(0, 58)}-${i}`;
  return id;
}

function RunbookForm({ rb }: { rb: Runbook | null }) {
  const me = useCurrentUser();
  const navigate = useNavigate();
  const toast = useToast();
  const [params] = useSearchParams();
  const teamsQ = useQuery(() => api.teams.all(), []);
  const templates = useQuery((signal) => (rb ? Promise.resolve(null) : runbookApi.templates(signal)), [rb]);
  const teams = (teamsQ.data ?? []).filter((t) => hasTeamRole(me, t.slug, 'responder'));

  const { name: title, setName: setTitle, slug, setSlug } = useNameWithSlug(rb?.title ?? '', rb?.slug ?? '', !!rb);
  const [kind, setKind] = useState<RunbookKind>(rb?.kind ?? 'incident_response');
  const [subkind, setSubkind] = useState<SopSubkind>(rb?.subkind ?? 'deployment');
  const [team, setTeam] = useState(rb?.team.slug ?? '');
  const [services, setServices] = useState<ServiceRef[]>(rb?.services ?? []);
  const [tags, setTags] = useState((rb?.tags ?? []).join(', '));
  const [cadence, setCadence] = useState(rb?.review_cadence_days ?? 90);
  const [content, setContent] = useState<RunbookContent>(rb?.content ?? EMPTY);
  const [template, setTemplate] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [preview, setPreview] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, errors);

  useEffect(() => {
    if (!team && teams.length > 0) setTeam(teams[0]!.slug);
  }, [team, teams]);

  const applyTemplate = (t: RunbookTemplate) => {
    setTemplate(t.key);
    setTitle(t.title);
    setKind(t.kind);
    if (t.subkind) setSubkind(t.subkind);
    setTags(t.tags.join(', '));
    setContent(structuredClone(t.content));
  };

  const set = <K extends keyof RunbookContent>(key: K, value: RunbookContent[K]) => setContent((c) => ({ ...c, [key]: value }));
  const setStep = (i: number, patch: Partial<RunbookStep>) => set('steps', content.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const moveStep = (i: number, by: -1 | 1) => {
    const next = [...content.steps];
    const [s] = next.splice(i, 1);
    next.splice(i + by, 0, s!);
    set('steps', next);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!title.trim()) local.title = 'Required';
    if (!rb && !slug.trim()) local.slug = 'Required';
    if (!team) local.team = 'Choose the owning team';
    content.steps.forEach((s, i) => {
      if (!s.title.trim()) local[`content.steps.${i}.title`] = 'Required';
    });
    if (Object.keys(local).length) return setErrors({ message: 'Please fix the highlighted fields', fields: local });
    setBusy(true);
    setErrors(NO_ERRORS);
    setConflict(false);
    const clean: RunbookContent = {
      ...content,
      steps: content.steps.map((s) => {
        const { command, http_action, ...rest } = s;
        return { ...rest, ...(command?.trim() ? { command } : {}), ...(http_action?.url.trim() ? { http_action } : {}) };
      }),
      contacts: content.contacts.filter((c) => c.role.trim() || c.who.trim()),
    };
    const body = {
      title: title.trim(),
      kind,
      subkind: kind === 'sop' ? subkind : null,
      team,
      services: services.map((s) => s.slug),
      tags: tags.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean),
      review_cadence_days: cadence,
      content: clean,
      ...(note.trim() ? { change_note: note.trim() } : {}),
    };
    try {
      const saved = rb
        ? await runbookApi.update(rb.slug, { ...body, base_version: rb.current_version })
        : await runbookApi.create({ ...body, slug: slug.trim(), ...(template && !note.trim() ? { change_note: `Created from template '${template}'` } : {}) });
      toast.success(rb ? `Saved as version ${saved.current_version}` : `Runbook “${saved.title}” created`);
      navigate(`/runbooks/${saved.slug}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && rb) setConflict(true);
      setErrors(formErrors(err));
      setBusy(false);
    }
  };

  const area = (value: string, onChange: (v: string) => void, rows = 3, mono = false) => (p: object) => (
    <textarea {...p} className={`input${mono ? ' mono-input' : ''}`} rows={rows} value={value} onChange={(e) => onChange(e.target.value)} />
  );

  return (
    <>
      <PageHeader
        back={rb ? { to: `/runbooks/${rb.slug}`, label: rb.title } : { to: '/runbooks', label: 'Runbooks' }}
        title={rb ? `Edit ${rb.title}` : 'New runbook'}
        subtitle={rb ? `Saving creates version ${rb.current_version + 1}. Text fields are Markdown.` : 'Purpose, prerequisites, steps, verification, rollback. Text fields are Markdown.'}
        actions={
          <Button onClick={() => setPreview((p) => !p)} aria-pressed={preview}>
            {preview ? 'Back to editing' : 'Preview'}
          </Button>
        }
      />
      {conflict && (
        <Banner tone="warning" title="Someone else changed this runbook">
          Your edit started from version {rb?.current_version}. Open the runbook again to see the current version, then re-apply your change.
        </Banner>
      )}
      {!rb && (templates.data?.data.length ?? 0) > 0 && (
        <details className="card rbl-section" open={params.get('from') === 'template'} style={{ padding: '12px 16px' }}>
          <summary>
            <strong>Start from a template</strong> <span className="muted">— the seeds' essential runbooks with real steps</span>
          </summary>
          <div className="rbl-templates" style={{ marginTop: 10 }}>
            {templates.data!.data.map((t) => (
              <button key={t.key} type="button" className="rbl-template" aria-pressed={template === t.key} onClick={() => applyTemplate(t)}>
                <strong>{t.title}</strong>
                <span className="muted">{t.description}</span>
              </button>
            ))}
          </div>
        </details>
      )}
      {preview ? (
        <div className="rbl-preview" data-testid="runbook-preview">
          <h1>{title || 'Untitled'}</h1>
          <Section title="Purpose" source={content.purpose} />
          <Section title="Prerequisites" source={content.prerequisites} />
          <h2>Steps</h2>
          <ol className="rbl-steps">
            {content.steps.map((s, i) => (
              <StepCard key={i} step={s} index={i} />
            ))}
          </ol>
          <Section title="Verification" source={content.verification} />
          <Section title="Rollback" source={content.rollback} />
        </div>
      ) : (
        <form ref={formRef} className="form card rbl-editor" onSubmit={(e) => void submit(e)} noValidate aria-label={rb ? 'Edit runbook' : 'New runbook'}>
          <div className="form-body">
            <FormErrorBanner errors={errors} shownFields={['title', 'slug', 'kind', 'subkind', 'team', 'services', 'tags', 'review_cadence_days', 'content', 'change_note']} />
            <div className="form-section">
              <div className="form-section-head">
                <h2>Runbook</h2>
              </div>
              <div className="form-section-fields">
                <Field label="Title" name="title" errors={errors}>
                  {(p) => (
                    <input
                      {...p}
                      className="input"
                      value={title}
                      onChange={(e) => setTitle(e.target.value)}
                    />
                  )}
                </Field>
                {!rb && (
                  <Field label="Slug" name="slug" errors={errors} hint="The runbook's address: /runbooks/<slug>; alerts can name it with a `runbook` label.">
                    {(p) => (
                      <input
                        {...p}
                        className="input mono-input"
                        value={slug}
                        onChange={(e) => {
                          setSlug(e.target.value);
                        }}
                      />
                    )}
                  </Field>
                )}
                <div className="form-grid-2">
                  <Field label="Kind" name="kind" errors={errors}>
                    {(p) => (
                      <select {...p} className="input select" value={kind} onChange={(e) => setKind(e.target.value as RunbookKind)}>
                        {Object.entries(KIND_LABELS).map(([k, l]) => (
                          <option key={k} value={k}>
                            {l}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                  {kind === 'sop' && (
                    <Field label="Procedure type" name="subkind" errors={errors}>
                      {(p) => (
                        <select {...p} className="input select" value={subkind} onChange={(e) => setSubkind(e.target.value as SopSubkind)}>
                          {SUBKINDS.map((k) => (
                            <option key={k} value={k}>
                              {k}
                            </option>
                          ))}
                        </select>
                      )}
                    </Field>
                  )}
                </div>
                <div className="form-grid-2">
                  <Field label="Owning team" name="team" errors={errors} hint="Its responders and managers can edit.">
                    {(p) => (
                      <select {...p} className="input select" value={team} onChange={(e) => setTeam(e.target.value)}>
                        {rb && !teams.some((t) => t.slug === rb.team.slug) && <option value={rb.team.slug}>{rb.team.name}</option>}
                        {teams.map((t) => (
                          <option key={t.id} value={t.slug}>
                            {t.name}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                  <Field label="Review every (days)" name="review_cadence_days" errors={errors}>
                    {(p) => <input {...p} type="number" min={1} max={3650} className="input" value={cadence} onChange={(e) => setCadence(Math.max(1, Number(e.target.value) || 1))} />}
                  </Field>
                </div>
                <Field label="Services" name="services" errors={errors} optional>
                  {(p) => <ServicePicker {...p} value={services} onChange={setServices} />}
                </Field>
                <Field label="Tags" name="tags" errors={errors} optional hint="Comma-separated. Tag a service runbook with an alert name (e.g. highlatency) to cover that alert.">
                  {(p) => <input {...p} className="input" value={tags} onChange={(e) => setTags(e.target.value)} />}
                </Field>
              </div>
            </div>
            <div className="form-section">
              <div className="form-section-head">
                <h2>Purpose and prerequisites</h2>
              </div>
              <div className="form-section-fields">
                <Field label="Purpose" name="content.purpose" errors={errors} hint="When to use this runbook.">
                  {area(content.purpose, (v) => set('purpose', v))}
                </Field>
                <Field label="Prerequisites" name="content.prerequisites" errors={errors} hint="Access and tools needed.">
                  {area(content.prerequisites, (v) => set('prerequisites', v))}
                </Field>
              </div>
            </div>
            <div className="form-section">
              <div className="form-section-head">
                <h2>Steps</h2>
              </div>
              <div className="form-section-fields">
                {content.steps.map((s, i) => (
                  <fieldset key={s.id + i} className="rbl-editor-step" aria-label={`Step ${i + 1}`}>
                    <div className="rbl-editor-step-head">
                      <strong>Step {i + 1}</strong>
                      <Button size="sm" variant="ghost" disabled={i === 0} onClick={() => moveStep(i, -1)} aria-label={`Move step ${i + 1} up`}>
                        ↑
                      </Button>
                      <Button size="sm" variant="ghost" disabled={i === content.steps.length - 1} onClick={() => moveStep(i, 1)} aria-label={`Move step ${i + 1} down`}>
                        ↓
                      </Button>
                      <Button size="sm" variant="ghost" icon="trash" disabled={content.steps.length === 1} onClick={() => set('steps', content.steps.filter((_, j) => j !== i))} aria-label={`Remove step ${i + 1}`}>
                        Remove
                      </Button>
                    </div>
                    <div className="form-grid-2">
                      <Field label="Title" name={`content.steps.${i}.title`} errors={errors}>
                        {(p) => <input {...p} className="input" value={s.title} onChange={(e) => setStep(i, { title: e.target.value })} />}
                      </Field>
                      <Field label="Step id" name={`content.steps.${i}.id`} errors={errors} hint="Stable across versions (run statistics).">
                        {(p) => <input {...p} className="input mono-input" value={s.id} onChange={(e) => setStep(i, { id: e.target.value })} />}
                      </Field>
                    </div>
                    <Field label="Instruction" name={`content.steps.${i}.instruction`} errors={errors}>
                      {area(s.instruction, (v) => setStep(i, { instruction: v }))}
                    </Field>
                    <Field label="Command" name={`content.steps.${i}.command`} errors={errors} optional hint="Shown with a copy button; never run by Ballast.">
                      {area(s.command ?? '', (v) => setStep(i, { command: v }), 2, true)}
                    </Field>
                    <div className="form-grid-2">
                      <Field label="Expected outcome" name={`content.steps.${i}.expected`} errors={errors}>
                        {area(s.expected, (v) => setStep(i, { expected: v }), 2)}
                      </Field>
                      <Field label="If this fails" name={`content.steps.${i}.on_failure`} errors={errors}>
                        {area(s.on_failure, (v) => setStep(i, { on_failure: v }), 2)}
                      </Field>
                    </div>
                    <HttpActionFields action={s.http_action} onChange={(a) => setStep(i, { http_action: a })} errors={errors} base={`content.steps.${i}.http_action`} />
                  </fieldset>
                ))}
                <div>
                  <Button icon="plus" onClick={() => set('steps', [...content.steps, { id: freshId(`step-${content.steps.length + 1}`, content.steps), title: '', instruction: '', expected: '', on_failure: '' }])}>
                    Add step
                  </Button>
                </div>
              </div>
            </div>
            <div className="form-section">
              <div className="form-section-head">
                <h2>Verification, rollback, contacts</h2>
              </div>
              <div className="form-section-fields">
                <Field label="Verification" name="content.verification" errors={errors} hint="How to confirm success.">
                  {area(content.verification, (v) => set('verification', v))}
                </Field>
                <Field label="Rollback" name="content.rollback" errors={errors} hint="How to undo; offered when a step fails during a run.">
                  {area(content.rollback, (v) => set('rollback', v))}
                </Field>
                {content.contacts.map((c, i) => (
                  <div key={i} className="form-grid-2">
                    <Field label={`Contact ${i + 1} role`} name={`content.contacts.${i}.role`} errors={errors}>
                      {(p) => <input {...p} className="input" value={c.role} onChange={(e) => set('contacts', content.contacts.map((x, j) => (j === i ? { ...x, role: e.target.value } : x)))} />}
                    </Field>
                    <Field label="Who" name={`content.contacts.${i}.who`} errors={errors}>
                      {(p) => <input {...p} className="input" value={c.who} onChange={(e) => set('contacts', content.contacts.map((x, j) => (j === i ? { ...x, who: e.target.value } : x)))} />}
                    </Field>
                  </div>
                ))}
                <div>
                  <Button size="sm" icon="plus" onClick={() => set('contacts', [...content.contacts, { role: '', who: '' }])}>
                    Add contact
                  </Button>
                </div>
                <Field label="Related runbooks" name="content.related" errors={errors} optional hint="Comma-separated slugs.">
                  {(p) => (
                    <input
                      {...p}
                      className="input mono-input"
                      value={content.related.join(', ')}
                      onChange={(e) => set('related', e.target.value.split(',').map((x) => x.trim()).filter(Boolean))}
                    />
                  )}
                </Field>
                <Field label="Change note" name="change_note" errors={errors} optional hint="What changed and why; shown in the version history.">
                  {(p) => <input {...p} className="input" value={note} onChange={(e) => setNote(e.target.value)} />}
                </Field>
              </div>
            </div>
          </div>
          <div className="form-footer">
            <Button variant="ghost" onClick={() => navigate(rb ? `/runbooks/${rb.slug}` : '/runbooks')}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" busy={busy}>
              {rb ? 'Save new version' : 'Create runbook'}
            </Button>
          </div>
        </form>
      )}
    </>
  );
}

function HttpActionFields({ action, onChange, errors, base }: { action: HttpAction | undefined; onChange(a: HttpAction | undefined): void; errors: FormErrors; base: string }) {
  if (!action) {
    return (
      <Button size="sm" variant="ghost" icon="plug" onClick={() => onChange({ method: 'POST', url: '' })}>
        Add HTTP action
      </Button>
    );
  }
  return (
    <div className="form-grid-2">
      <Field label="HTTP action" name={`${base}.method`} errors={errors} hint="Called after confirmation during a run, behind the SSRF guard.">
        {(p) => (
          <select {...p} className="input select" value={action.method} onChange={(e) => onChange({ ...action, method: e.target.value as HttpAction['method'] })}>
            {['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="URL" name={`${base}.url`} errors={errors}>
        {(p) => (
          <div style={{ display: 'flex', gap: 6 }}>
            <input {...p} className="input mono-input" value={action.url} onChange={(e) => onChange({ ...action, url: e.target.value })} />
            <Button size="sm" variant="ghost" onClick={() => onChange(undefined)}>
              Remove
            </Button>
          </div>
        )}
      </Field>
    </div>
  );
}
