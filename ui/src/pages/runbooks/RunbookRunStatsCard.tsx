// On a runbook page: number of runs, success rate, the steps that fail most often, and recent runs.
export function RunbookRunStatsCard(_props: { runbookSlug: string }) {
  return null;
}
