import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { Field, FormErrorBanner, useFocusFirstInvalid } from '../../components/Form';
import { ServicePicker } from '../../components/ServicePicker';
import { Button, TIER_INFO } from '../../components/ui';
import { slugify } from '../../lib/format';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import type { Service, ServiceInput, ServiceLinks, ServiceRef, Team, Tier } from '../../types';

export interface ServiceFormValues {
  slug: string;
  name: string;
  team: string;
  tier: Tier;
  description: string;
  links: Required<ServiceLinks>;
  depends_on: ServiceRef[];
}

export function initialValues(s?: Service, defaultTeam = ''): ServiceFormValues {
  return {
    slug: s?.slug ?? '',
    name: s?.name ?? '',
    team: s?.team.slug ?? defaultTeam,
    tier: s?.tier ?? 3,
    description: s?.description ?? '',
    links: { repo: s?.links.repo ?? '', dashboard: s?.links.dashboard ?? '', docs: s?.links.docs ?? '', runbook: s?.links.runbook ?? '' },
    depends_on: s?.depends_on ?? [],
  };
}

/** The request body; empty link fields are left out (the API wants absent, not "", for unset URLs). */
export function toInput(v: ServiceFormValues, mode: 'create' | 'edit'): ServiceInput {
  const links: ServiceLinks = {};
  for (const [k, url] of Object.entries(v.links) as [keyof ServiceLinks, string][]) if (url.trim()) links[k] = url.trim();
  return {
    ...(mode === 'create' ? { slug: v.slug.trim() } : {}),
    name: v.name.trim(),
    team: v.team,
    tier: v.tier,
    description: v.description,
    links,
    depends_on: v.depends_on.map((d) => d.slug),
  };
}

const LINK_FIELDS: { key: keyof ServiceLinks; label: string; placeholder: string }[] = [
  { key: 'runbook', label: 'Runbook', placeholder: 'https://wiki.example.com/runbooks/checkout' },
  { key: 'dashboard', label: 'Dashboard', placeholder: 'https://grafana.example.com/d/checkout' },
  { key: 'repo', label: 'Repository', placeholder: 'https://git.example.com/payments/checkout' },
  { key: 'docs', label: 'Documentation', placeholder: 'https://docs.example.com/checkout' },
];

const FIELDS = ['slug', 'name', 'team', 'tier', 'description', 'links', 'depends_on'];

interface Props {
  mode: 'create' | 'edit';
  initial: ServiceFormValues;
  /** Teams offered as owner (already narrowed to what the user may manage). */
  teams: Team[];
  cancelTo: string;
  onSubmit(values: ServiceFormValues): Promise<void>;
}

export function ServiceForm({ mode, initial, teams, cancelTo, onSubmit }: Props) {
  const [v, setV] = useState(initial);
  // The slug follows the name until the user edits it by hand.
  const [slugTouched, setSlugTouched] = useState(mode === 'edit');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, errors);

  const set = <K extends keyof ServiceFormValues>(key: K, value: ServiceFormValues[K]) => setV((prev) => ({ ...prev, [key]: value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // Only checks the API cannot phrase well for a form; everything else is the server's call.
    const local: Record<string, string> = {};
    if (!v.name.trim()) local.name = 'Name is required';
    if (mode === 'create' && !v.slug.trim()) local.slug = 'Slug is required';
    if (!v.team) local.team = 'Choose the owning team';
    if (Object.keys(local).length) {
      setErrors({ message: 'Please fix the highlighted fields', fields: local });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await onSubmit(v);
    } catch (err) {
      setErrors(formErrors(err));
      setBusy(false);
    }
  };

  return (
    <form ref={formRef} className="form card" onSubmit={(e) => void submit(e)} noValidate aria-label={mode === 'create' ? 'New service' : 'Edit service'}>
      <div className="form-body">
        <FormErrorBanner errors={errors} shownFields={FIELDS} />

        <div className="form-section">
          <div className="form-section-head">
            <h2>Identity</h2>
            <p>How people and tools refer to this service.</p>
          </div>
          <div className="form-section-fields">
            <Field label="Name" name="name" errors={errors}>
              {(p) => (
                <input
                  {...p}
                  className="input"
                  value={v.name}
                  placeholder="Checkout API"
                  maxLength={200}
                  onChange={(e) => {
                    const name = e.target.value;
                    setV((prev) => ({ ...prev, name, slug: slugTouched ? prev.slug : slugify(name) }));
                  }}
                />
              )}
            </Field>
            <Field
              label="Slug"
              name="slug"
              errors={errors}
              hint={mode === 'edit' ? 'The slug is permanent: alert routes and integrations refer to it.' : 'Lowercase letters, digits and dashes. Cannot be changed later.'}
            >
              {(p) => (
                <input
                  {...p}
                  className="input mono-input"
                  value={v.slug}
                  placeholder="checkout-api"
                  disabled={mode === 'edit'}
                  maxLength={63}
                  spellCheck={false}
                  autoComplete="off"
                  onChange={(e) => {
                    setSlugTouched(true);
                    set('slug', e.target.value);
                  }}
                />
              )}
            </Field>
            <Field label="Description" name="description" errors={errors} optional hint="What it does and who uses it; shown to responders.">
              {(p) => <textarea {...p} className="input" rows={3} value={v.description} onChange={(e) => set('description', e.target.value)} />}
            </Field>
          </div>
        </div>

        <div className="form-section">
          <div className="form-section-head">
            <h2>Ownership</h2>
            <p>The owning team is paged for this service and manages its entry.</p>
          </div>
          <div className="form-section-fields">
            <Field label="Owning team" name="team" errors={errors} hint={teams.length === 0 ? 'You do not manage any team yet.' : undefined}>
              {(p) => (
                <select {...p} className="input select" value={v.team} onChange={(e) => set('team', e.target.value)}>
                  <option value="">Choose a team…</option>
                  {teams.map((t) => (
                    <option key={t.id} value={t.slug}>
                      {t.name} ({t.slug})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <fieldset className={`field${errors.fields.tier ? ' field-invalid' : ''}`}>
              <legend>Tier</legend>
              <div className="tier-picker" role="radiogroup">
                {([1, 2, 3, 4] as Tier[]).map((t) => (
                  <label key={t} className={`tier-option${v.tier === t ? ' selected' : ''}`}>
                    <input type="radio" name="tier" value={t} checked={v.tier === t} onChange={() => set('tier', t)} />
                    <span className={`tier tier-${t}`}>T{t}</span>
                    <span className="tier-option-text">{TIER_INFO[t].help}</span>
                  </label>
                ))}
              </div>
              {errors.fields.tier && <div className="field-error">{errors.fields.tier}</div>}
            </fieldset>
          </div>
        </div>

        <div className="form-section">
          <div className="form-section-head">
            <h2>Dependencies</h2>
            <p>Services this one calls or needs. Used to find the blast radius of an incident.</p>
          </div>
          <div className="form-section-fields">
            <Field label="Depends on" name="depends_on" errors={errors} optional>
              {(p) => <ServicePicker {...p} value={v.depends_on} onChange={(d) => set('depends_on', d)} excludeSlug={mode === 'edit' ? v.slug : undefined} />}
            </Field>
          </div>
        </div>

        <div className="form-section">
          <div className="form-section-head">
            <h2>Links</h2>
            <p>Where responders go first. http(s) URLs.</p>
          </div>
          <div className="form-section-fields grid-2">
            {LINK_FIELDS.map((l) => (
              <Field key={l.key} label={l.label} name={`links.${l.key}`} errors={errors} optional>
                {(p) => (
                  <input
                    {...p}
                    className="input"
                    type="url"
                    value={v.links[l.key]}
                    placeholder={l.placeholder}
                    onChange={(e) => set('links', { ...v.links, [l.key]: e.target.value })}
                  />
                )}
              </Field>
            ))}
          </div>
        </div>
      </div>
      <div className="form-footer">
        <Link to={cancelTo} className="btn btn-secondary">
          Cancel
        </Link>
        <Button type="submit" variant="primary" busy={busy}>
          {mode === 'create' ? 'Create service' : 'Save changes'}
        </Button>
      </div>
    </form>
  );
}
