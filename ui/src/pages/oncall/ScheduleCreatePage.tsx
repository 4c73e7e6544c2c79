import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { Field, FormErrorBanner, useFocusFirstInvalid } from '../../components/Form';
import { useToast } from '../../components/Toast';
import { Button, PageHeader } from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { managedTeamSlugs } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { useNameWithSlug } from '../../lib/useNameWithSlug';
import type { LayerInput, Rotation, User } from '../../types';
import { browserTimeZone, useUsers } from './parts';

type RotationKind = 'hourly' | 'daily' | 'weekly' | 'custom';

interface LayerDraft {
  name: string;
  kind: RotationKind;
  count: number;
  unit: 'hours' | 'days';
  handoff: string;
  participants: string[]; // user ids, in turn order
  businessHours: boolean;
}

const BUSINESS_HOURS = [{ day_of_week: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' }];

function newLayer(): LayerDraft {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return { name: '', kind: 'weekly', count: 12, unit: 'hours', handoff: `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T09:00`, participants: [], businessHours: false };
}

function toInput(l: LayerDraft): LayerInput {
  const rotation: Rotation = l.kind === 'custom' ? { unit: l.unit, count: l.count } : l.kind;
  return {
    ...(l.name.trim() ? { name: l.name.trim() } : {}),
    rotation,
    handoff: l.handoff,
    participants: l.participants,
    ...(l.businessHours ? { restrictions: BUSINESS_HOURS } : {}),
  };
}

function timeZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

export function ScheduleCreatePage() {
  useTitle('New schedule');
  const me = useCurrentUser();
  const navigate = useNavigate();
  const toast = useToast();
  const users = useUsers();
  const teamsQ = useQuery(() => api.teams.all(), []);
  const managed = managedTeamSlugs(me);
  const teams = (teamsQ.data ?? []).filter((t) => managed === null || managed.includes(t.slug));
  const zones = useMemo(timeZones, []);

  const { name, setName, slug, setSlug } = useNameWithSlug('', '', false);
  const [team, setTeam] = useState('');
  const [tz, setTz] = useState(browserTimeZone());
  const [layers, setLayers] = useState<LayerDraft[]>([newLayer()]);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, errors);

  const effectiveTeam = team || (managed && managed.length === 1 ? managed[0]! : '');
  const setLayer = (i: number, patch: Partial<LayerDraft>) => setLayers((ls) => ls.map((l, j) => (j === i ? { ...l, ...patch } : l)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = 'Required';
    if (!slug.trim()) local.slug = 'Required';
    layers.forEach((l, i) => {
      if (l.participants.length === 0) local[`layers.${i}.participants`] = 'Add at least one person';
      if (!l.handoff) local[`layers.${i}.handoff`] = 'Required';
    });
    if (Object.keys(local).length) {
      setErrors({ message: 'Please fix the highlighted fields', fields: local });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      const s = await api.schedules.create({
        name: name.trim(),
        slug: slug.trim(),
        time_zone: tz,
        ...(effectiveTeam ? { team: effectiveTeam } : {}),
        layers: layers.map(toInput),
      });
      toast.success(`Schedule “${s.name}” created`);
      navigate(`/oncall/schedules/${encodeURIComponent(s.slug)}`);
    } catch (err) {
      setErrors(formErrors(err));
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader back={{ to: '/oncall', label: 'On-call' }} title="New schedule" subtitle="Layers rotate people through shifts; later layers win where they overlap." />
      <form ref={formRef} className="form card" onSubmit={(e) => void submit(e)} noValidate aria-label="New schedule">
        <div className="form-body">
          <FormErrorBanner errors={errors} shownFields={['name', 'slug', 'team', 'time_zone', 'layers']} />
          <div className="form-section">
            <div className="form-section-head">
              <h2>Schedule</h2>
              <p>Name it after the rotation people know, e.g. “Storage primary”.</p>
            </div>
            <div className="form-section-fields">
              <Field label="Name" name="name" errors={errors}>
                {(p) => (
                  <input
                    {...p}
                    className="input"
                    value={name}
                    onChange={(e) => setName(e.target.value)}
                  />
                )}
              </Field>
              <Field label="Slug" name="slug" errors={errors} hint="Used in escalation policies and the CLI: schedule:<slug>.">
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
              <Field label="Owning team" name="team" errors={errors} optional={managed === null} hint="Managers of the team can edit the schedule.">
                {(p) => (
                  <select {...p} className="input select" value={effectiveTeam} onChange={(e) => setTeam(e.target.value)}>
                    {managed === null && <option value="">No team (administrators only)</option>}
                    {teams.map((t) => (
                      <option key={t.id} value={t.slug}>
                        {t.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Time zone" name="time_zone" errors={errors} hint="Handoff times and business hours are read in this zone.">
                {(p) => (
                  <>
                    <input {...p} className="input" list="tz-list" value={tz} onChange={(e) => setTz(e.target.value)} />
                    <datalist id="tz-list">
                      {zones.map((z) => (
                        <option key={z} value={z} />
                      ))}
                    </datalist>
                  </>
                )}
              </Field>
            </div>
          </div>

          {layers.map((l, i) => (
            <LayerEditor
              key={i}
              index={i}
              layer={l}
              users={users}
              errors={errors}
              onChange={(patch) => setLayer(i, patch)}
              onRemove={layers.length > 1 ? () => setLayers((ls) => ls.filter((_, j) => j !== i)) : undefined}
            />
          ))}
          <div>
            <Button icon="plus" onClick={() => setLayers((ls) => [...ls, newLayer()])}>
              Add layer
            </Button>
          </div>
        </div>
        <div className="form-footer">
          <Button variant="ghost" onClick={() => navigate('/oncall')}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={busy}>
            Create schedule
          </Button>
        </div>
      </form>
    </>
  );
}

function LayerEditor({
  index,
  layer,
  users,
  errors,
  onChange,
  onRemove,
}: {
  index: number;
  layer: LayerDraft;
  users: User[];
  errors: FormErrors;
  onChange(patch: Partial<LayerDraft>): void;
  onRemove?: () => void;
}) {
  const byId = new Map(users.map((u) => [u.id, u]));
  const f = (k: string) => `layers.${index}.${k}`;
  const available = users.filter((u) => !layer.participants.includes(u.id));
  return (
    <fieldset className="form-section layer-editor" aria-label={`Layer ${index + 1}`}>
      <div className="form-section-head">
        <h2>Layer {index + 1}</h2>
        <p>People take turns in the order listed, starting at the handoff.</p>
        {onRemove && (
          <Button size="sm" variant="ghost" icon="trash" onClick={onRemove}>
            Remove layer
          </Button>
        )}
      </div>
      <div className="form-section-fields">
        <Field label="Layer name" name={f('name')} errors={errors} optional>
          {(p) => <input {...p} className="input" value={layer.name} placeholder={`Layer ${index + 1}`} onChange={(e) => onChange({ name: e.target.value })} />}
        </Field>
        <div className="form-grid-2">
          <Field label="Rotation" name={f('rotation')} errors={errors}>
            {(p) => (
              <select {...p} className="input select" value={layer.kind} onChange={(e) => onChange({ kind: e.target.value as RotationKind })}>
                <option value="hourly">Hourly</option>
                <option value="daily">Daily</option>
                <option value="weekly">Weekly</option>
                <option value="custom">Custom…</option>
              </select>
            )}
          </Field>
          <Field label="Handoff" name={f('handoff')} errors={errors} hint="When the first turn starts, in the schedule’s time zone.">
            {(p) => <input {...p} type="datetime-local" className="input" value={layer.handoff} onChange={(e) => onChange({ handoff: e.target.value })} />}
          </Field>
        </div>
        {layer.kind === 'custom' && (
          <div className="form-grid-2">
            <Field label="Turn length" name={f('rotation.count')} errors={errors}>
              {(p) => <input {...p} type="number" min={1} className="input" value={layer.count} onChange={(e) => onChange({ count: Math.max(1, Number(e.target.value) || 1) })} />}
            </Field>
            <Field label="Unit" name={f('rotation.unit')} errors={errors}>
              {(p) => (
                <select {...p} className="input select" value={layer.unit} onChange={(e) => onChange({ unit: e.target.value as 'hours' | 'days' })}>
                  <option value="hours">Hours</option>
                  <option value="days">Days</option>
                </select>
              )}
            </Field>
          </div>
        )}
        <Field label="Add participant" name={f('participants')} errors={errors} hint={layer.participants.length === 0 ? 'Pick people in turn order.' : undefined}>
          {(p) => (
            <select
              {...p}
              className="input select"
              value=""
              onChange={(e) => {
                if (e.target.value) onChange({ participants: [...layer.participants, e.target.value] });
              }}
            >
              <option value="">Choose a person…</option>
              {available.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name ? `${u.name} (${u.email})` : u.email}
                </option>
              ))}
            </select>
          )}
        </Field>
        {layer.participants.length > 0 && (
          <ol className="participant-list" aria-label={`Layer ${index + 1} participants`}>
            {layer.participants.map((id, j) => {
              const u = byId.get(id);
              return (
                <li key={id}>
                  <span className="participant-order">{j + 1}</span>
                  <span className="participant-name">{u ? u.name || u.email : id}</span>
                  {u && <span className="muted small">{u.email}</span>}
                  <span className="participant-actions">
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={j === 0}
                      aria-label={`Move ${u?.name ?? id} up`}
                      onClick={() => {
                        const next = [...layer.participants];
                        [next[j - 1], next[j]] = [next[j]!, next[j - 1]!];
                        onChange({ participants: next });
                      }}
                    >
                      ↑
                    </Button>
                    <Button size="sm" variant="ghost" icon="x" aria-label={`Remove ${u?.name ?? id}`} onClick={() => onChange({ participants: layer.participants.filter((x) => x !== id) })} />
                  </span>
                </li>
              );
            })}
          </ol>
        )}
        <label className="check-inline">
          <input type="checkbox" className="checkbox" checked={layer.businessHours} onChange={(e) => onChange({ businessHours: e.target.checked })} />
          Business hours only (Mon–Fri 09:00–17:00)
        </label>
      </div>
    </fieldset>
  );
}
