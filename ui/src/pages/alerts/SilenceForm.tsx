import { useId, useRef, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Field, FormErrorBanner, useFocusFirstInvalid } from '../../components/Form';
import { Icon } from '../../components/Icon';
import { Modal } from '../../components/Modal';
import { Button } from '../../components/ui';
import { fieldError, formErrors, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { formatDateTime, relativeTime } from '../../lib/format';
import { useQuery } from '../../lib/useQuery';
import type { Matcher, Silence } from '../../types';
import { matchesAll, matcherOp, useServiceIndex } from './parts';

const DURATIONS = [
  { key: '1h', label: '1 hour', ms: 3600_000 },
  { key: '4h', label: '4 hours', ms: 4 * 3600_000 },
  { key: '1d', label: '1 day', ms: 86400_000 },
  { key: '1w', label: '1 week', ms: 7 * 86400_000 },
  { key: 'custom', label: 'Until…', ms: 0 },
] as const;
type DurationKey = (typeof DURATIONS)[number]['key'];

interface Row extends Matcher {
  /** Stable React key, so removing a row does not shuffle the inputs' state. */
  rid: number;
}

export interface SilenceDraft {
  service?: string;
  matchers?: Matcher[];
  comment?: string;
}

/** `datetime-local` wants local time without zone: "2025-03-03T14:05". */
function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

let rowSeq = 0;
const newRow = (m: Partial<Matcher> = {}): Row => ({ rid: ++rowSeq, name: '', value: '', is_regex: false, is_equal: true, ...m });

/**
 * Create a silence: Alertmanager-style label matchers, a duration and a reason. Shows which open
 * alerts it would silence right now, so an over-broad matcher is noticed before it hides a page.
 */
export function SilenceModal({ draft, onClose, onCreated }: { draft?: SilenceDraft; onClose(): void; onCreated(s: Silence): void }) {
  const services = useServiceIndex();
  const [service, setService] = useState(draft?.service ?? '');
  const [rows, setRows] = useState<Row[]>(() => (draft?.matchers?.length ? draft.matchers.map((m) => newRow(m)) : [newRow()]));
  const [duration, setDuration] = useState<DurationKey>('1h');
  const [endsAt, setEndsAt] = useState(() => toLocalInput(Date.now() + 2 * 3600_000));
  const [startsAt, setStartsAt] = useState('');
  const [comment, setComment] = useState(draft?.comment ?? '');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const ids = useId();
  useFocusFirstInvalid(formRef, errors);

  const startMs = startsAt ? new Date(startsAt).getTime() : Date.now();
  const endMs = duration === 'custom' ? new Date(endsAt).getTime() : startMs + DURATIONS.find((d) => d.key === duration)!.ms;

  // Preview against open alerts (first 500) of the chosen service.
  const open = useQuery((signal) => api.alerts.list({ status: 'triggered,acknowledged', service, limit: 500 }, signal), [service]);
  const complete = rows.filter((r) => r.name.trim());
  const preview = open.data && complete.length > 0 ? open.data.data.filter((a) => matchesAll(complete.map((r) => ({ ...r, name: r.name.trim() })), a.labels)) : null;

  const update = (rid: number, patch: Partial<Matcher>) => setRows((rs) => rs.map((r) => (r.rid === rid ? { ...r, ...patch } : r)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      if (Number.isNaN(endMs)) throw new Error('Choose when the silence ends');
      const created = await api.silences.create({
        ...(service ? { service } : {}),
        matchers: rows.map(({ name, value, is_regex, is_equal }) => ({ name: name.trim(), value, is_regex: !!is_regex, is_equal: is_equal !== false })),
        ...(startsAt ? { starts_at: new Date(startsAt).toISOString() } : {}),
        ends_at: new Date(endMs).toISOString(),
        comment: comment.trim(),
      });
      onCreated(created);
    } catch (err) {
      setErrors(formErrors(err));
      setBusy(false);
    }
  };

  return (
    <Modal
      title="New silence"
      width={720}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="create-silence" variant="primary" icon="bellOff" busy={busy}>
            Create silence
          </Button>
        </>
      }
    >
      <form ref={formRef} id="create-silence" className="stack" onSubmit={(e) => void submit(e)} noValidate aria-label="New silence">
        <FormErrorBanner errors={errors} shownFields={['service', 'matchers', 'starts_at', 'ends_at', 'comment']} />

        <fieldset className="field">
          <legend>Matchers</legend>
          <div className="field-hint matcher-hint">
            Alerts whose labels match <strong>all</strong> rows are silenced: nobody is paged, the alert is still recorded. Regexes are anchored.
          </div>
          <div className="matcher-rows">
            {rows.map((r, i) => {
              const nameErr = fieldError(errors, `matchers.${i}.name`);
              const valueErr = fieldError(errors, `matchers.${i}.value`) ?? (i === 0 ? errors.fields.matchers : undefined);
              return (
                <div className="matcher-row" key={r.rid} data-testid="matcher-row">
                  <input
                    className="input mono-input"
                    aria-label={`Matcher ${i + 1} label name`}
                    placeholder="label, e.g. alertname"
                    value={r.name}
                    aria-invalid={nameErr ? true : undefined}
                    spellCheck={false}
                    autoComplete="off"
                    onChange={(e) => update(r.rid, { name: e.target.value })}
                  />
                  <span className="matcher-op-preview" aria-hidden="true">
                    {matcherOp(r)}
                  </span>
                  <input
                    className="input mono-input"
                    aria-label={`Matcher ${i + 1} value`}
                    placeholder={r.is_regex ? 'regex, e.g. db-.*' : 'value'}
                    value={r.value}
                    aria-invalid={valueErr ? true : undefined}
                    spellCheck={false}
                    autoComplete="off"
                    onChange={(e) => update(r.rid, { value: e.target.value })}
                  />
                  <label className="check-inline" title="Match the value as a regular expression (=~)">
                    <input type="checkbox" checked={!!r.is_regex} onChange={(e) => update(r.rid, { is_regex: e.target.checked })} /> Regex
                  </label>
                  <label className="check-inline" title="Silence alerts that do NOT match (!= / !~)">
                    <input type="checkbox" checked={r.is_equal === false} onChange={(e) => update(r.rid, { is_equal: !e.target.checked })} /> Negate
                  </label>
                  <button
                    type="button"
                    className="icon-btn"
                    aria-label={`Remove matcher ${i + 1}`}
                    disabled={rows.length === 1}
                    onClick={() => setRows((rs) => rs.filter((x) => x.rid !== r.rid))}
                  >
                    <Icon name="x" size={14} />
                  </button>
                  {(nameErr || valueErr) && <div className="field-error matcher-error">{nameErr ?? valueErr}</div>}
                </div>
              );
            })}
          </div>
          <div>
            <Button size="sm" variant="ghost" icon="plus" onClick={() => setRows((rs) => [...rs, newRow()])} disabled={rows.length >= 20}>
              Add matcher
            </Button>
          </div>
        </fieldset>

        <div className="grid-2">
          <Field label="Service" name="service" errors={errors} optional hint="Limit the silence to one service’s alerts.">
            {(p) => (
              <select {...p} className="input select" value={service} onChange={(e) => setService(e.target.value)}>
                <option value="">Any service</option>
                {service && !services.bySlug.has(service) && <option value={service}>{service}</option>}
                {services.list.map((s) => (
                  <option key={s.id} value={s.slug}>
                    {s.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Starts" name="starts_at" errors={errors} optional hint="Leave empty to start now.">
            {(p) => <input {...p} type="datetime-local" className="input" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />}
          </Field>
        </div>

        <fieldset className="field">
          <legend>Duration</legend>
          <div className="segmented" role="radiogroup" aria-label="Duration">
            {DURATIONS.map((d) => (
              <label key={d.key} className={`segment${duration === d.key ? ' selected' : ''}`}>
                <input type="radio" name={`${ids}-duration`} value={d.key} checked={duration === d.key} onChange={() => setDuration(d.key)} />
                {d.label}
              </label>
            ))}
          </div>
          {duration === 'custom' && (
            <input
              type="datetime-local"
              className="input duration-until"
              aria-label="Ends at"
              value={endsAt}
              aria-invalid={errors.fields.ends_at ? true : undefined}
              onChange={(e) => setEndsAt(e.target.value)}
            />
          )}
          {errors.fields.ends_at ? (
            <div className="field-error">{errors.fields.ends_at}</div>
          ) : (
            !Number.isNaN(endMs) && (
              <div className="field-hint">
                Ends {formatDateTime(new Date(endMs).toISOString())} ({relativeTime(new Date(endMs).toISOString())}).
              </div>
            )
          )}
        </fieldset>

        <Field label="Comment" name="comment" errors={errors} hint="Why, and who to ask: “DB failover drill, ping @dana”.">
          {(p) => <textarea {...p} className="input" rows={2} value={comment} maxLength={2000} onChange={(e) => setComment(e.target.value)} />}
        </Field>

        {preview && (
          <div className={`silence-preview${preview.length ? ' has-matches' : ''}`} data-testid="silence-preview">
            <Icon name={preview.length ? 'bellOff' : 'info'} size={14} />
            {preview.length === 0 ? (
              <span>Matches no open alert right now{service ? ' on this service' : ''}; it will apply to new ones.</span>
            ) : (
              <span>
                Would silence <strong>{preview.length}</strong> open alert{preview.length === 1 ? '' : 's'} now
                {open.data?.next_cursor ? ' (of the newest 500)' : ''}: {preview.slice(0, 3).map((a) => a.summary).join(' · ')}
                {preview.length > 3 ? ' …' : ''}
              </span>
            )}
          </div>
        )}
      </form>
    </Modal>
  );
}
