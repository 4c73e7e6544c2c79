import { useMemo, useRef, useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api, fetchAll } from '../../api';
import { useCurrentUser } from '../../auth';
import { Field, FormErrorBanner, useFocusFirstInvalid } from '../../components/Form';
import { useToast } from '../../components/Toast';
import { Button, Card, PageHeader } from '../../components/ui';
import { formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { useQuery } from '../../lib/useQuery';
import { useTitle } from '../../lib/useTitle';
import { useServiceIndex } from '../alerts/parts';
import { incidentsApi, minutesLabel } from './api';
import './parts';

/**
 * Declare from scratch, or promote an alert group (`?alert_group=<id>&service=<slug>&title=…`, from
 * the alert page). The chosen severity's definition and targets are shown so people pick consistently.
 */
export function DeclareIncidentPage() {
  useTitle('Declare incident');
  const me = useCurrentUser();
  const navigate = useNavigate();
  const toast = useToast();
  const [params] = useSearchParams();
  const groupId = params.get('alert_group') ?? '';
  const [title, setTitle] = useState(params.get('title') ?? '');
  // A decision tree's "declare incident" leaf links here with ?severity=&title=&services=a,b.
  const [severity, setSeverity] = useState(params.get('severity') ?? '');
  const [summary, setSummary] = useState('');
  const [services, setServices] = useState<string[]>(
    [...(params.get('service') ? [params.get('service')!] : []), ...(params.get('services') ?? '').split(',').filter(Boolean)],
  );
  const [pageServices, setPageServices] = useState(true);
  const [pageUsers, setPageUsers] = useState<string[]>([]);
  const [pageSchedules, setPageSchedules] = useState<string[]>([]);
  const [commander, setCommander] = useState(me.email);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, errors);

  const sevs = useQuery((signal) => incidentsApi.severities(signal), []);
  const serviceIndex = useServiceIndex();
  const users = useQuery((signal) => fetchAll((cursor) => api.users.list({ limit: 500, cursor }, signal), 10), []);
  const schedules = useQuery((signal) => fetchAll((cursor) => api.schedules.list({ limit: 500, cursor }, signal), 10), []);
  const chosen = useMemo(() => sevs.data?.data.find((s) => s.key === severity), [sevs.data, severity]);
  const toggle = (list: string[], set: (v: string[]) => void, v: string) => set(list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      const inc = await incidentsApi.declare({
        title: title.trim(),
        severity,
        ...(summary.trim() ? { summary } : {}),
        services,
        ...(groupId ? { alert_group_ids: [groupId] } : {}),
        ...(commander ? { commander } : {}),
        page: { services: pageServices, users: pageUsers, schedules: pageSchedules },
      });
      toast.success(`${inc.ref} declared`);
      navigate(`/incidents/${inc.ref}`);
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader title="Declare incident" subtitle={groupId ? 'Promoting an alert group: its alerts are linked and its service is affected.' : 'Start the response: severity, affected services and who to page.'} back={{ to: '/incidents', label: 'Incidents' }} />
      <form ref={form} onSubmit={submit} className="inc-declare" noValidate aria-label="Declare incident">
        <FormErrorBanner errors={errors} shownFields={['title', 'severity', 'summary', 'services', 'page', 'commander', 'alert_group_ids']} />
        <Card>
          <Field label="Title" name="title" errors={errors} hint="What is broken, as customers see it">
            {(p) => <input {...p} className="input" name="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={300} required />}
          </Field>
          <Field label="Severity" name="severity" errors={errors}>
            {(p) => (
              <>
                <select {...p} className="input select" name="severity" value={severity} onChange={(e) => setSeverity(e.target.value)} required>
                  <option value="">Choose a severity…</option>
                  {(sevs.data?.data ?? []).map((s) => (
                    <option key={s.key} value={s.key}>
                      {s.key} · {s.name}
                    </option>
                  ))}
                </select>
                {chosen && (
                  <div className="inc-sev-def" data-testid="severity-definition">
                    <strong>{chosen.description || chosen.name}</strong>
                    {chosen.examples && <div>Examples: {chosen.examples}</div>}
                    <div>
                      Acknowledge within {minutesLabel(chosen.ack_target_minutes)}
                      {chosen.mitigate_target_minutes ? `, mitigate within ${minutesLabel(chosen.mitigate_target_minutes)}` : ''}
                      {chosen.update_interval_minutes ? `, status updates every ${minutesLabel(chosen.update_interval_minutes)}` : ''}
                      {chosen.requires_postmortem ? '; postmortem required' : ''}
                    </div>
                  </div>
                )}
              </>
            )}
          </Field>
          <Field label="Affected services" name="services" errors={errors} optional hint="Responders of these services’ teams may work the incident">
            {(p) => (
              <div className="inc-check-list" id={p.id} role="group" aria-label="Affected services">
                {serviceIndex.list.map((s) => (
                  <label key={s.id}>
                    <input type="checkbox" checked={services.includes(s.slug)} onChange={() => toggle(services, setServices, s.slug)} /> {s.name}
                  </label>
                ))}
              </div>
            )}
          </Field>
          <Field label="Summary" name="summary" errors={errors} optional hint="Markdown">
            {(p) => <textarea {...p} className="input" rows={3} value={summary} onChange={(e) => setSummary(e.target.value)} />}
          </Field>
          <Field label="Incident commander" name="commander" errors={errors} optional>
            {(p) => (
              <select {...p} className="input select" name="commander" value={commander} onChange={(e) => setCommander(e.target.value)}>
                <option value="">Nobody yet</option>
                {(users.data ?? []).filter((u) => !u.disabled).map((u) => (
                  <option key={u.id} value={u.email}>
                    {u.name} ({u.email})
                  </option>
                ))}
              </select>
            )}
          </Field>
        </Card>
        <Card title="Page responders">
          <label className="checkbox">
            <input type="checkbox" checked={pageServices} onChange={(e) => setPageServices(e.target.checked)} /> Page through the affected services’ escalation policies
          </label>
          <Field label="Also page these people" name="page" errors={errors} optional>
            {(p) => (
              <div className="inc-check-list" id={p.id} role="group" aria-label="Page users">
                {(users.data ?? []).filter((u) => !u.disabled).map((u) => (
                  <label key={u.id}>
                    <input type="checkbox" checked={pageUsers.includes(u.email)} onChange={() => toggle(pageUsers, setPageUsers, u.email)} /> {u.name}
                  </label>
                ))}
              </div>
            )}
          </Field>
          <Field label="…and whoever is on call for" name="page.schedules" errors={errors} optional>
            {(p) => (
              <div className="inc-check-list" id={p.id} role="group" aria-label="Page schedules">
                {(schedules.data ?? []).map((s) => (
                  <label key={s.id}>
                    <input type="checkbox" checked={pageSchedules.includes(s.slug)} onChange={() => toggle(pageSchedules, setPageSchedules, s.slug)} /> {s.name}
                  </label>
                ))}
              </div>
            )}
          </Field>
        </Card>
        <div className="form-actions">
          <Button type="submit" variant="primary" icon="flame" busy={busy}>
            Declare incident
          </Button>
        </div>
      </form>
    </>
  );
}
