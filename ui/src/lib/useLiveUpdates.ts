import { useEffect, useRef, useState } from 'react';
import { subscribeEvents, type StreamStatus } from '../api';
import type { StreamEvent } from '../types';

export interface LiveOptions {
  /** Event-type prefixes to subscribe to, e.g. ['alert', 'alert_group']. */
  types: string[];
  /** Only events passing this filter cause a refresh (default: all). */
  match?: (e: StreamEvent) => boolean;
  /** Called (debounced) after matching events, after (re)connecting, and on the fallback poll. */
  onChange: () => void;
  /** Wait this long after the first event before refreshing, so a burst costs one request. */
  debounceMs?: number;
  /** Refresh this often while the stream is down. */
  offlinePollMs?: number;
  /** Refresh this often even while live: some changes (repeat triggers) publish no event. */
  idlePollMs?: number;
  enabled?: boolean;
}

/**
 * Keeps a page fresh from the server's event stream. Refreshes are throttled rather than purely
 * debounced: during an alert storm the page still updates every `debounceMs` instead of waiting for
 * a quiet moment that never comes. Falls back to polling while the stream is unavailable.
 */
export function useLiveUpdates({
  types,
  match,
  onChange,
  debounceMs = 400,
  offlinePollMs = 10_000,
  idlePollMs = 60_000,
  enabled = true,
}: LiveOptions): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const matchRef = useRef(match);
  matchRef.current = match;
  const key = types.join(',');

  useEffect(() => {
    if (!enabled) return;
    let pending: number | undefined;
    const schedule = () => {
      if (pending !== undefined) return;
      pending = window.setTimeout(() => {
        pending = undefined;
        onChangeRef.current();
      }, debounceMs);
    };
    const unsubscribe = subscribeEvents(
      key.split(','),
      (e) => {
        if (!matchRef.current || matchRef.current(e)) schedule();
      },
      (s) => {
        setStatus(s);
        // Whatever happened while (re)connecting was not streamed to us: catch up once.
        if (s === 'live') schedule();
      },
    );
    const onVisible = () => {
      if (document.visibilityState === 'visible') schedule();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      unsubscribe();
      window.clearTimeout(pending);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [key, enabled, debounceMs]);

  // Polling: slow while live; fast otherwise, including a stream stuck "connecting" (a buffering proxy).
  useEffect(() => {
    if (!enabled) return;
    const id = window.setInterval(() => {
      if (document.visibilityState === 'visible') onChangeRef.current();
    }, status === 'live' ? idlePollMs : offlinePollMs);
    return () => window.clearInterval(id);
  }, [status, enabled, idlePollMs, offlinePollMs]);

  return enabled ? status : 'offline';
}
