import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { errorMessage } from '../../api';
import { Badge, Button } from '../../components/ui';
import { useToast } from '../../components/Toast';
import { formErrors, fieldError, NO_ERRORS, type FormErrors } from '../../lib/forms';
import { ITEM_STATUS_LABEL, ITEM_STATUSES, PM_STATUS_LABEL, PRIORITIES, pmApi, type ActionItem, type ItemStatus, type PmStatus, type Priority } from './api';
import '../../styles/postmortems.css';

export function PmStatusBadge({ status }: { status: PmStatus }) {
  const tone = status === 'published' ? 'green' : status === 'in_review' ? 'blue' : 'neutral';
  return <Badge tone={tone}>{PM_STATUS_LABEL[status]}</Badge>;
}

export function PriorityBadge({ priority }: { priority: Priority }) {
  const tone = priority === 'P1' ? 'red' : priority === 'P2' ? 'amber' : priority === 'P3' ? 'blue' : 'neutral';
  return <Badge tone={tone} title="P1 is the most urgent">{priority}</Badge>;
}

/** "Due 4 Dec" / "Overdue since 4 Dec" (deadlines are UTC). */
export function DueLabel({ iso, overdue }: { iso: string | null; overdue: boolean }) {
  if (!iso) return <span className="muted">No due date</span>;
  const day = iso.slice(0, 10);
  return overdue ? <span className="pm-overdue">Overdue · due {day}</span> : <span>Due {day}</span>;
}

/** Status as an inline select when the viewer may change it, a badge otherwise. */
export function ItemStatusControl({ item, onChange }: { item: ActionItem; onChange(next: ActionItem): void }) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  if (!item.can_edit) return <Badge tone={item.status === 'done' ? 'green' : 'neutral'}>{ITEM_STATUS_LABEL[item.status]}</Badge>;
  return (
    <select
      className="input select input-sm"
      aria-label={`Status of ${item.title}`}
      value={item.status}
      disabled={busy}
      onChange={async (e) => {
        setBusy(true);
        try {
          onChange(await pmApi.updateItem(item.id, { status: e.target.value as ItemStatus }));
        } catch (err) {
          toast.error(errorMessage(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      {ITEM_STATUSES.map((s) => (
        <option key={s} value={s}>
          {ITEM_STATUS_LABEL[s]}
        </option>
      ))}
    </select>
  );
}

export function ActionItemsTable({ items, onChange, showIncident }: { items: ActionItem[]; onChange(next: ActionItem): void; showIncident?: boolean }) {
  return (
    <table className="table" data-testid="action-items-table">
      <thead>
        <tr>
          <th>Item</th>
          {showIncident && <th>Incident</th>}
          <th>Owner</th>
          <th>Due</th>
          <th>Priority</th>
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {items.map((i) => (
          <tr key={i.id} className={i.status === 'done' || i.status === 'wont_do' ? 'row-muted' : undefined}>
            <td>
              <span className="row-title-plain">{i.title}</span>
              {i.description && <div className="muted small pm-clamp">{i.description}</div>}
            </td>
            {showIncident && (
              <td>
                <Link to={i.postmortem_id ? `/postmortems/${i.postmortem_id}` : `/incidents/${i.incident.ref}`} className="link-quiet">
                  {i.incident.ref}
                </Link>
                <div className="muted small">{i.incident.title}</div>
              </td>
            )}
            <td>{i.owner ? i.owner.name || i.owner.email : <span className="muted">Unassigned</span>}</td>
            <td>
              <DueLabel iso={i.due_date} overdue={i.overdue} />
            </td>
            <td>
              <PriorityBadge priority={i.priority} />
            </td>
            <td>
              <ItemStatusControl item={i} onChange={onChange} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Compact form to add an action item to an incident (and its postmortem). */
export function ActionItemForm({ incident, postmortem, onCreated }: { incident: string; postmortem?: string; onCreated(item: ActionItem): void }) {
  const [title, setTitle] = useState('');
  const [owner, setOwner] = useState('');
  const [due, setDue] = useState('');
  const [priority, setPriority] = useState<Priority>('P2');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const item = await pmApi.createItem({ incident, postmortem: postmortem ?? null, title, owner: owner.trim() || null, due_date: due || null, priority });
      onCreated(item);
      setTitle('');
      setOwner('');
      setDue('');
      setErrors(NO_ERRORS);
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  };
  const err = ['title', 'owner', 'due_date', 'priority'].map((f) => fieldError(errors, f)).find(Boolean) ?? (Object.keys(errors.fields).length ? null : errors.message);
  return (
    <form className="pm-item-form" onSubmit={submit} aria-label="New action item">
      <input className="input" aria-label="Action item title" placeholder="What will we do?" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={300} />
      <input className="input" aria-label="Owner email" placeholder="Owner (email or me)" value={owner} onChange={(e) => setOwner(e.target.value)} />
      <input className="input" type="date" aria-label="Due date" value={due} onChange={(e) => setDue(e.target.value)} />
      <select className="input select" aria-label="Priority" value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
        {PRIORITIES.map((p) => (
          <option key={p}>{p}</option>
        ))}
      </select>
      <Button type="submit" variant="primary" icon="plus" busy={busy}>
        Add action item
      </Button>
      {err && (
        <div className="inline-form-error" role="alert">
          {err}
        </div>
      )}
    </form>
  );
}
