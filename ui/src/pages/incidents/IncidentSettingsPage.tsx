import { useEffect, useState } from 'react';
import { errorMessage } from '../../api';
import { useCurrentUser } from '../../auth';
import { useToast } from '../../components/Toast';
import { Banner, Button, ButtonLink, Card, LoadError, Loading, PageHeader } from '../../components/ui';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { incidentsApi, minutesLabel, type SeverityDef } from './api';
import { IncSeverityBadge } from './parts';

type Draft = Omit<SeverityDef, 'key' | 'updated_at' | 'rank'>;
const draftOf = (s: SeverityDef): Draft => ({
  name: s.name,
  description: s.description,
  examples: s.examples,
  ack_target_minutes: s.ack_target_minutes,
  mitigate_target_minutes: s.mitigate_target_minutes,
  update_interval_minutes: s.update_interval_minutes,
  requires_postmortem: s.requires_postmortem,
  postmortem_due_business_days: s.postmortem_due_business_days,
});

/** Severity definitions and response targets; administrators edit them (also possible in `ballast apply`). */
export function IncidentSettingsPage() {
  useTitle('Incident severities');
  const me = useCurrentUser();
  const q = useQuery((signal) => incidentsApi.severities(signal), []);
  return (
    <>
      <PageHeader
        title="Severities and templates"
        subtitle="What each severity means and its response targets. Also managed as code: incident_severities in `ballast apply`."
        back={{ to: '/incidents', label: 'Incidents' }}
        actions={
          <ButtonLink to="/incidents/templates" icon="edit">
            Communication templates
          </ButtonLink>
        }
      />
      {!me.is_admin && <Banner tone="info">Only administrators can change severities.</Banner>}
      {q.error && !q.data ? (
        <LoadError error={q.error} onRetry={q.reload} what="severities" />
      ) : !q.data ? (
        <Loading />
      ) : (
        <Card flush>
          <table className="table inc-settings-table" data-testid="severities-table">
            <thead>
              <tr>
                <th>Severity</th>
                <th>Definition</th>
                <th>Examples</th>
                <th title="Time to acknowledge target">Ack (min)</th>
                <th title="Time to mitigate target">Mitigate (min)</th>
                <th title="Promised status update cadence">Updates (min)</th>
                <th>Postmortem</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {q.data.data.map((s) => (
                <SeverityRow key={s.key} s={s} editable={me.is_admin} onSaved={q.reload} />
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}

const numOrNull = (v: string): number | null => (v.trim() === '' ? null : Number(v));

function SeverityRow({ s, editable, onSaved }: { s: SeverityDef; editable: boolean; onSaved(): void }) {
  const toast = useToast();
  const [d, setD] = useState<Draft>(draftOf(s));
  const [busy, setBusy] = useState(false);
  useEffect(() => setD(draftOf(s)), [s]);
  const dirty = JSON.stringify(d) !== JSON.stringify(draftOf(s));
  const save = async () => {
    setBusy(true);
    try {
      await incidentsApi.updateSeverity(s.key, d);
      toast.success(`${s.key} saved`);
      onSaved();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  if (!editable) {
    return (
      <tr>
        <td>
          <IncSeverityBadge severity={s.key} /> {s.name}
        </td>
        <td>{s.description}</td>
        <td>{s.examples}</td>
        <td>{minutesLabel(s.ack_target_minutes)}</td>
        <td>{minutesLabel(s.mitigate_target_minutes)}</td>
        <td>{minutesLabel(s.update_interval_minutes)}</td>
        <td>{s.requires_postmortem ? `required, due in ${s.postmortem_due_business_days} business days` : 'optional'}</td>
        <td />
      </tr>
    );
  }
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((prev) => ({ ...prev, [k]: v }));
  return (
    <tr data-severity={s.key}>
      <td>
        <IncSeverityBadge severity={s.key} />
        <input className="input" aria-label={`${s.key} name`} value={d.name} onChange={(e) => set('name', e.target.value)} />
      </td>
      <td>
        <textarea className="input" rows={2} aria-label={`${s.key} definition`} value={d.description} onChange={(e) => set('description', e.target.value)} />
      </td>
      <td>
        <textarea className="input" rows={2} aria-label={`${s.key} examples`} value={d.examples} onChange={(e) => set('examples', e.target.value)} />
      </td>
      <td>
        <input className="input" type="number" min={1} aria-label={`${s.key} acknowledge target minutes`} value={d.ack_target_minutes} onChange={(e) => set('ack_target_minutes', Number(e.target.value))} />
      </td>
      <td>
        <input className="input" type="number" min={1} aria-label={`${s.key} mitigate target minutes`} value={d.mitigate_target_minutes ?? ''} onChange={(e) => set('mitigate_target_minutes', numOrNull(e.target.value))} />
      </td>
      <td>
        <input className="input" type="number" min={1} aria-label={`${s.key} update interval minutes`} value={d.update_interval_minutes ?? ''} onChange={(e) => set('update_interval_minutes', numOrNull(e.target.value))} />
      </td>
      <td>
        <label className="checkbox">
          <input type="checkbox" checked={d.requires_postmortem} onChange={(e) => set('requires_postmortem', e.target.checked)} /> required
        </label>
        <input className="input" type="number" min={0} aria-label={`${s.key} postmortem due business days`} value={d.postmortem_due_business_days} onChange={(e) => set('postmortem_due_business_days', Number(e.target.value))} />
      </td>
      <td>
        <Button size="sm" variant="primary" disabled={!dirty} busy={busy} onClick={() => void save()}>
          Save
        </Button>
      </td>
    </tr>
  );
}
