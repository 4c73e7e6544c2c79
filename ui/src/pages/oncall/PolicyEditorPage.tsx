import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { api } from '../../api';
import { useCurrentUser } from '../../auth';
import { Field, FormErrorBanner, useFocusFirstInvalid } from '../../components/Form';
import { ConfirmDialog } from '../../components/Modal';
import { useToast } from '../../components/Toast';
import { Button, LoadError, Loading, PageHeader } from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { managedTeamSlugs } from '../../lib/permissions';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { useNameWithSlug } from '../../lib/useNameWithSlug';
import type { EscalationPolicy } from '../../types';
import { useUsers } from './parts';

interface LevelDraft {
  delay: number;
  targets: string[]; // "user:<email>" | "schedule:<slug>"
}

export function PolicyEditorPage() {
  const { slug } = useParams();
  const existing = useQuery(() => (slug ? api.escalationPolicies.get(slug) : Promise.resolve(null)), [slug]);
  useTitle(slug ? existing.data?.name ?? 'Escalation policy' : 'New escalation policy');
  if (slug && existing.error) return <LoadError error={existing.error} onRetry={existing.reload} what="the policy" />;
  if (slug && !existing.data) return <Loading />;
  return <PolicyForm key={slug ?? 'new'} policy={existing.data ?? null} />;
}

function PolicyForm({ policy }: { policy: EscalationPolicy | null }) {
  const me = useCurrentUser();
  const navigate = useNavigate();
  const toast = useToast();
  const users = useUsers();
  const schedules = useQuery(() => api.schedules.all(), []);
  const teamsQ = useQuery(() => api.teams.all(), []);
  const managed = managedTeamSlugs(me);
  const teams = (teamsQ.data ?? []).filter((t) => managed === null || managed.includes(t.slug));

  const { name, setName, slug, setSlug } = useNameWithSlug(policy?.name ?? '', policy?.slug ?? '', !!policy);
  const [team, setTeam] = useState(policy?.team.slug ?? '');
  const [repeat, setRepeat] = useState(policy?.repeat ?? 0);
  const [levels, setLevels] = useState<LevelDraft[]>(
    policy ? policy.levels.map((l) => ({ delay: l.delay_minutes, targets: l.targets.map((t) => t.ref) })) : [{ delay: 15, targets: [] }],
  );
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, errors);

  // Default the team once teams load, so a manager of one team does not have to pick.
  useEffect(() => {
    if (!team && teams.length > 0) setTeam(teams[0]!.slug);
  }, [team, teams]);

  const labelFor = (ref: string) => {
    const [type, value] = [ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 1)];
    if (type === 'user') {
      const u = users.find((x) => x.email === value || x.id === value);
      return { type: 'User', name: u ? u.name || u.email : value };
    }
    const s = (schedules.data ?? []).find((x) => x.slug === value || x.id === value);
    return { type: 'Schedule', name: s ? s.name : value };
  };
  const setLevel = (i: number, patch: Partial<LevelDraft>) => setLevels((ls) => ls.map((l, j) => (j === i ? { ...l, ...patch } : l)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = 'Required';
    if (!policy && !slug.trim()) local.slug = 'Required';
    if (!team) local.team = 'Choose the owning team';
    levels.forEach((l, i) => {
      if (l.targets.length === 0) local[`levels.${i}.targets`] = 'Add at least one user or schedule';
    });
    if (Object.keys(local).length) return setErrors({ message: 'Please fix the highlighted fields', fields: local });
    setBusy(true);
    setErrors(NO_ERRORS);
    const body = { name: name.trim(), team, repeat, levels: levels.map((l) => ({ delay_minutes: l.delay, targets: l.targets })) };
    try {
      const saved = policy ? await api.escalationPolicies.update(policy.slug, body) : await api.escalationPolicies.create({ ...body, slug: slug.trim() });
      toast.success(policy ? 'Policy saved' : `Policy “${saved.name}” created`);
      navigate('/oncall/policies');
    } catch (err) {
      setErrors(formErrors(err));
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader
        back={{ to: '/oncall/policies', label: 'Escalation policies' }}
        title={policy ? policy.name : 'New escalation policy'}
        subtitle="Level 1 is paged first; if nobody acknowledges within its delay, the next level is paged."
        actions={
          policy && (
            <Button variant="danger" icon="trash" onClick={() => setDeleting(true)}>
              Delete
            </Button>
          )
        }
      />
      <form ref={formRef} className="form card" onSubmit={(e) => void submit(e)} noValidate aria-label={policy ? 'Edit escalation policy' : 'New escalation policy'}>
        <div className="form-body">
          <FormErrorBanner errors={errors} shownFields={['name', 'slug', 'team', 'repeat', 'levels']} />
          <div className="form-section">
            <div className="form-section-head">
              <h2>Policy</h2>
              <p>Services of any team can use it; managers of the owning team edit it.</p>
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
              <Field label="Slug" name="slug" errors={errors} hint={policy ? 'The slug cannot change.' : undefined}>
                {(p) => (
                  <input
                    {...p}
                    className="input mono-input"
                    value={slug}
                    disabled={!!policy}
                    onChange={(e) => {
                      setSlug(e.target.value);
                    }}
                  />
                )}
              </Field>
              <div className="form-grid-2">
                <Field label="Owning team" name="team" errors={errors}>
                  {(p) => (
                    <select {...p} className="input select" value={team} onChange={(e) => setTeam(e.target.value)}>
                      {!team && <option value="">Choose a team…</option>}
                      {teams.map((t) => (
                        <option key={t.id} value={t.slug}>
                          {t.name}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label="Repeat" name="repeat" errors={errors} hint="Run all levels again this many times (0–9) if nobody acknowledges.">
                  {(p) => <input {...p} type="number" min={0} max={9} className="input" value={repeat} onChange={(e) => setRepeat(Math.min(9, Math.max(0, Number(e.target.value) || 0)))} />}
                </Field>
              </div>
            </div>
          </div>

          {levels.map((l, i) => (
            <fieldset key={i} className="form-section" aria-label={`Level ${i + 1}`}>
              <div className="form-section-head">
                <h2>Level {i + 1}</h2>
                <p>{i === 0 ? 'Paged as soon as an alert triggers.' : `Paged if level ${i} does not acknowledge in time.`}</p>
                {levels.length > 1 && (
                  <Button size="sm" variant="ghost" icon="trash" onClick={() => setLevels((ls) => ls.filter((_, j) => j !== i))}>
                    Remove level
                  </Button>
                )}
              </div>
              <div className="form-section-fields">
                <Field label="Add target" name={`levels.${i}.targets`} errors={errors}>
                  {(p) => (
                    <select
                      {...p}
                      className="input select"
                      value=""
                      onChange={(e) => {
                        if (e.target.value && !l.targets.includes(e.target.value)) setLevel(i, { targets: [...l.targets, e.target.value] });
                      }}
                    >
                      <option value="">Choose a schedule or person…</option>
                      <optgroup label="Schedules">
                        {(schedules.data ?? []).map((s) => (
                          <option key={s.id} value={`schedule:${s.slug}`} disabled={l.targets.includes(`schedule:${s.slug}`)}>
                            {s.name}
                          </option>
                        ))}
                      </optgroup>
                      <optgroup label="Users">
                        {users.map((u) => (
                          <option key={u.id} value={`user:${u.email}`} disabled={l.targets.includes(`user:${u.email}`)}>
                            {u.name ? `${u.name} (${u.email})` : u.email}
                          </option>
                        ))}
                      </optgroup>
                    </select>
                  )}
                </Field>
                {l.targets.length > 0 && (
                  <div className="chips" aria-label={`Level ${i + 1} targets`}>
                    {l.targets.map((ref) => {
                      const lab = labelFor(ref);
                      return (
                        <span key={ref} className="chip chip-removable">
                          <span className="chip-sub">{lab.type}</span> {lab.name}
                          <button type="button" className="icon-btn" aria-label={`Remove ${lab.name}`} onClick={() => setLevel(i, { targets: l.targets.filter((x) => x !== ref) })}>
                            ×
                          </button>
                        </span>
                      );
                    })}
                  </div>
                )}
                <Field label="Escalate after (minutes)" name={`levels.${i}.delay_minutes`} errors={errors} hint="How long to wait for an acknowledgement before the next level (or the repeat).">
                  {(p) => <input {...p} type="number" min={0} max={1440} className="input input-narrow" value={l.delay} onChange={(e) => setLevel(i, { delay: Math.max(0, Number(e.target.value) || 0) })} />}
                </Field>
              </div>
            </fieldset>
          ))}
          <div>
            <Button icon="plus" onClick={() => setLevels((ls) => [...ls, { delay: 15, targets: [] }])}>
              Add level
            </Button>
          </div>
        </div>
        <div className="form-footer">
          <Button variant="ghost" onClick={() => navigate('/oncall/policies')}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={busy}>
            {policy ? 'Save policy' : 'Create policy'}
          </Button>
        </div>
      </form>
      {deleting && policy && (
        <ConfirmDialog
          title={`Delete ${policy.name}?`}
          confirmLabel="Delete policy"
          danger
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api.escalationPolicies.remove(policy.slug);
            toast.success('Policy deleted');
            navigate('/oncall/policies');
          }}
        >
          <p>{policy.services.length ? `Used by ${policy.services.map((s) => s.slug).join(', ')}: give those services another policy first.` : 'No service uses this policy.'}</p>
        </ConfirmDialog>
      )}
    </>
  );
}
