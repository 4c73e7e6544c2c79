import { useRef, useState, type PointerEvent, type ReactNode } from 'react';

/** Snap to half hours: people swap shifts in round times, and a pixel is ~20 minutes on a 14-day track. */
const SNAP_MS = 30 * 60_000;

export interface DraggedRange {
  start: Date;
  end: Date;
}

/**
 * A timeline track where dragging selects a time range (pointer events, so mouse, pen and touch work).
 * The selection snaps to half hours; a click without a drag selects nothing. Keyboard users have the
 * override form next to it.
 */
export function DragRangeTrack({ from, to, onRange, children, label }: { from: number; to: number; onRange(r: DraggedRange): void; children: ReactNode; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);

  const timeAt = (clientX: number) => {
    const rect = ref.current!.getBoundingClientRect();
    const frac = Math.min(1, Math.max(0, (clientX - rect.left) / rect.width));
    return Math.round((from + frac * (to - from)) / SNAP_MS) * SNAP_MS;
  };
  const down = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const t = timeAt(e.clientX);
    setDrag({ a: t, b: t });
  };
  const move = (e: PointerEvent<HTMLDivElement>) => {
    if (drag) setDrag({ ...drag, b: timeAt(e.clientX) });
  };
  const up = () => {
    if (!drag) return;
    const [s, e] = drag.a <= drag.b ? [drag.a, drag.b] : [drag.b, drag.a];
    setDrag(null);
    if (e - s >= SNAP_MS) onRange({ start: new Date(s), end: new Date(e) });
  };

  const sel = drag && drag.a !== drag.b ? { s: Math.min(drag.a, drag.b), e: Math.max(drag.a, drag.b) } : null;
  return (
    <div
      ref={ref}
      className="sched-track sched-track-draggable"
      role="cell"
      aria-label={label}
      data-testid="override-drag-track"
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={() => setDrag(null)}
    >
      {children}
      {sel && (
        <div className="sched-drag" style={{ left: `${((sel.s - from) / (to - from)) * 100}%`, width: `${((sel.e - sel.s) / (to - from)) * 100}%` }} data-testid="override-drag-selection" />
      )}
    </div>
  );
}
