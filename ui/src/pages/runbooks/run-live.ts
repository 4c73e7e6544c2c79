import { useLiveUpdates } from '../../lib/useLiveUpdates';

export type LiveStatus = 'connecting' | 'live' | 'offline';

/** Keeps run views fresh: `match` picks the runbook_run events that concern the view. */
export function useRunEvents(opts: { match: (e: { subject_id: string; type: string }) => boolean; onChange: () => void; enabled?: boolean }): LiveStatus {
  return useLiveUpdates({ types: ['runbook_run'], match: opts.match, onChange: opts.onChange, enabled: opts.enabled, debounceMs: 200 });
}
