/** Everything a timeline UI draws for a window, computed once: each layer's coverage, overrides, the result, gaps. */

import { combine, coveredByLayer, overridesWithin } from './final.js';
import { complement } from './intervals.js';
import type { Schedule, Timeline } from './types.js';
import { checkInstants, compileSchedule } from './validate.js';
import type { Instant } from './zone.js';

/**
 * One row per layer (what it covers after restrictions, with turn numbers and participant positions), the
 * overrides as entered (they may overlap; the later one wins in `final`), the final schedule and its gaps.
 * Everything is clipped to [from, to).
 */
export function renderTimeline(schedule: Schedule, from: Instant, to: Instant): Timeline {
  checkInstants({ from, to });
  const compiled = compileSchedule(schedule);
  const layers = compiled.layers.map((layer) => ({
    index: layer.index,
    name: layer.name,
    entries: coveredByLayer(layer, compiled.zone, from, to),
  }));
  const overrides = overridesWithin(compiled.overrides, from, to);
  const final = combine(layers.map((layer) => layer.entries), overrides);
  return { from, to, layers, overrides, final, gaps: complement(final, from, to) };
}
