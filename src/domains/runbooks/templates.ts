import type { RunbookContentT } from './content.js';

/**
 * Starter templates for the seeds' essential runbooks (004 "Essential Runbooks", 003 §2.1): real
 * steps with commands, expected outcomes and what to do if a step fails. Placeholders in angle
 * brackets (`<service>`) are for the author to replace.
 */
export interface RunbookTemplate {
  key: string;
  title: string;
  description: string;
  kind: 'incident_response' | 'sop' | 'troubleshooting';
  subkind: 'deployment' | 'rollback' | 'maintenance' | 'scaling' | 'patching' | null;
  tags: string[];
  content: RunbookContentT;
}

const oncallContacts = [
  { role: 'Primary', who: 'On-call engineer of the owning team' },
  { role: 'Escalation', who: 'Team manager / incident commander' },
];

export const RUNBOOK_TEMPLATES: RunbookTemplate[] = [
  {
    key: 'service-restart',
    title: 'Service restart',
    description: 'Restart a service safely, one instance at a time',
    kind: 'incident_response',
    subkind: null,
    tags: ['restart'],
    content: {
      purpose: 'Use when a service is unhealthy (stuck workers, leaked memory, wedged connections) and a restart is the known remedy. Not for data corruption or a bad deploy — use the rollback runbook for that.',
      prerequisites: '- `kubectl` access to the production cluster (namespace `<namespace>`)\n- Dashboard for the service open (error rate, latency, saturation)\n- Announce in the incident channel before starting',
      steps: [
        { id: 'check-health', title: 'Confirm the symptom', instruction: 'Check pod status and recent restarts so you know the baseline.', command: 'kubectl -n <namespace> get pods -l app=<service> -o wide', expected: 'Pods listed; note which are not `Running`/`Ready` and their restart counts.', on_failure: 'If you cannot reach the cluster, check VPN/kube context (`kubectl config current-context`) and escalate to the platform team.' },
        { id: 'capture-diagnostics', title: 'Capture diagnostics', instruction: 'Save logs from an unhealthy pod before it is replaced; they are needed for the postmortem.', command: 'kubectl -n <namespace> logs <pod> --since=30m > /tmp/<service>-$(date +%s).log', expected: 'A log file is written.', on_failure: 'Skip if the pod is already gone; note it in the incident timeline.' },
        { id: 'rolling-restart', title: 'Rolling restart', instruction: 'Restart pods one at a time; the deployment keeps serving traffic.', command: 'kubectl -n <namespace> rollout restart deployment/<service>\nkubectl -n <namespace> rollout status deployment/<service> --timeout=10m', expected: '`deployment "<service>" successfully rolled out`.', on_failure: 'If the rollout stalls, inspect the new pod (`kubectl describe pod`); if it crash-loops, undo with `kubectl rollout undo deployment/<service>` and escalate.' },
        { id: 'watch-metrics', title: 'Watch error rate and latency', instruction: 'Watch the dashboard for 10 minutes.', expected: 'Error rate and p99 latency return to normal levels.', on_failure: 'If the symptom returns, the restart only masks the cause: open/escalate an incident and follow the troubleshooting guide.' },
      ],
      verification: '- All pods `Running` and `Ready`, restart counts stable\n- Error rate and latency back to baseline for 10 minutes\n- Synthetic checks green',
      rollback: 'A restart has nothing to undo. If new pods fail to start, run `kubectl -n <namespace> rollout undo deployment/<service>` and escalate.',
      contacts: oncallContacts,
      related: ['rollback', 'log-investigation'],
    },
  },
  {
    key: 'database-failover',
    title: 'Database failover',
    description: 'Promote a replica when the primary database is lost',
    kind: 'incident_response',
    subkind: null,
    tags: ['database', 'failover'],
    content: {
      purpose: 'Use when the primary PostgreSQL is unavailable or irrecoverably degraded and the outage is longer than the failover cost (a few seconds of writes may be lost with asynchronous replication).',
      prerequisites: '- Database admin credentials\n- `psql` and `patronictl` (or the cloud console) access\n- Incident declared; incident commander agrees to fail over',
      steps: [
        { id: 'confirm-primary-down', title: 'Confirm the primary is down', instruction: 'Check the primary from two places to rule out a network problem on your side.', command: 'pg_isready -h <primary-host> -p 5432', expected: '`no response` from the primary while replicas answer.', on_failure: 'If the primary answers, do not fail over; investigate connections and load instead.' },
        { id: 'check-replica-lag', title: 'Pick the most up-to-date replica', instruction: 'Compare replay positions; promote the replica with the least lag.', command: "psql -h <replica-host> -c \"select now() - pg_last_xact_replay_timestamp() as lag;\"", expected: 'Lag of seconds, not minutes.', on_failure: 'If every replica lags a lot, ask the incident commander whether losing those writes is acceptable before continuing.' },
        { id: 'fence-primary', title: 'Fence the old primary', instruction: 'Make sure the old primary cannot accept writes if it comes back (stop it or block it in the security group).', command: 'patronictl -c /etc/patroni.yml pause  # or stop the old primary instance', expected: 'Old primary is stopped or unreachable for clients.', on_failure: 'Do not promote while the old primary may come back: split brain is worse than the outage. Escalate to the DBA.' },
        { id: 'promote-replica', title: 'Promote the replica', instruction: 'Promote the chosen replica.', command: 'patronictl -c /etc/patroni.yml failover --candidate <replica-name> --force', expected: 'The replica reports `pg_is_in_recovery() = false`.', on_failure: 'Check the replica logs; try the next-best replica.' },
        { id: 'repoint-clients', title: 'Point clients at the new primary', instruction: 'Update the DNS record or connection pooler so applications connect to the new primary, then restart connection pools if needed.', expected: 'Applications reconnect; write errors stop.', on_failure: 'Restart the application pods to drop stale connections (see the service restart runbook).' },
      ],
      verification: '- Writes succeed: `psql -h <new-primary> -c "create temp table t(x int);"`\n- Application error rate back to normal\n- A new replica is being built from the new primary',
      rollback: 'Failing back is a planned maintenance: rebuild the old primary as a replica of the new one, then switch over in a maintenance window.',
      contacts: [...oncallContacts, { role: 'DBA', who: 'Database team on-call' }],
      related: ['service-restart', 'maintenance-window'],
    },
  },
  {
    key: 'cache-clear',
    title: 'Cache clear',
    description: 'Clear application caches without a thundering herd',
    kind: 'sop',
    subkind: 'maintenance',
    tags: ['cache', 'redis'],
    content: {
      purpose: 'Use when cached data is stale or corrupt (wrong prices, old configuration) and waiting for the TTL is not acceptable.',
      prerequisites: '- `redis-cli` access to the cache cluster\n- Know the key prefix of the affected data\n- Check database headroom: a cold cache sends all reads to the database',
      steps: [
        { id: 'identify-keys', title: 'Find the affected keys', instruction: 'Count the keys under the prefix (SCAN, never KEYS in production).', command: "redis-cli -h <cache-host> --scan --pattern '<prefix>:*' | wc -l", expected: 'A count of matching keys.', on_failure: 'If the count is zero, the prefix is wrong; check the application configuration.' },
        { id: 'check-db-headroom', title: 'Check database headroom', instruction: 'Look at database CPU and connections; clearing a hot cache can double read load.', expected: 'CPU below 50% and free connections.', on_failure: 'Clear in smaller batches (by sub-prefix) over several minutes instead.' },
        { id: 'delete-keys', title: 'Delete the keys', instruction: 'Delete the matching keys in batches.', command: "redis-cli -h <cache-host> --scan --pattern '<prefix>:*' | xargs -r -n 500 redis-cli -h <cache-host> unlink", expected: 'The count from step 1 drops to zero.', on_failure: 'If the cluster is slow to respond, stop and retry with smaller batches (`-n 100`).' },
      ],
      verification: '- The bad data is no longer served\n- Cache hit rate recovers within minutes\n- Database load returns to normal',
      rollback: 'Deleted cache entries cannot be restored; they refill on read. If the database is overloaded, scale read replicas or enable rate limiting.',
      contacts: oncallContacts,
      related: ['scaling'],
    },
  },
  {
    key: 'log-investigation',
    title: 'Log investigation',
    description: 'Find the cause of errors in logs',
    kind: 'troubleshooting',
    subkind: null,
    tags: ['logs', 'investigation'],
    content: {
      purpose: 'Use to find what is failing, since when and for whom, when an alert fires on error rate or a user reports a failure.',
      prerequisites: '- Access to the log platform (e.g. Loki/Elasticsearch) or `kubectl logs`\n- The alert start time and affected service',
      steps: [
        { id: 'scope-window', title: 'Fix the time window', instruction: 'Start 15 minutes before the alert fired; note recent deploys and changes in that window.', expected: 'A time range and a list of recent changes.', on_failure: 'If the start time is unknown, use the error-rate graph to find when it rose.' },
        { id: 'top-errors', title: 'Group errors by message', instruction: 'Count errors by message to find the dominant one.', command: 'kubectl -n <namespace> logs -l app=<service> --since=30m | grep -i error | sort | uniq -c | sort -rn | head -20', expected: 'One or a few dominant error messages.', on_failure: 'If errors are spread evenly, look at a dependency (database, queue, upstream API) rather than the service.' },
        { id: 'trace-request', title: 'Follow one failing request', instruction: 'Take a request/trace id from a failing entry and follow it across services.', command: "grep '<request-id>' across the service logs (or search it in the log platform)", expected: 'The first service in the chain that fails.', on_failure: 'If there are no ids, correlate by timestamp and user.' },
        { id: 'record-findings', title: 'Record findings', instruction: 'Write what you found on the incident timeline: first error, affected requests, suspected cause.', expected: 'The timeline shows the findings.', on_failure: 'If nothing is conclusive, escalate with what you ruled out.' },
      ],
      verification: 'The cause is identified well enough to choose a remedy (restart, rollback, scaling, failover).',
      rollback: 'Read-only investigation; nothing to roll back.',
      contacts: oncallContacts,
      related: ['service-restart', 'rollback'],
    },
  },
  {
    key: 'scaling',
    title: 'Scaling',
    description: 'Add or remove capacity (manual and emergency)',
    kind: 'sop',
    subkind: 'scaling',
    tags: ['capacity', 'scaling'],
    content: {
      purpose: 'Use when saturation (CPU, memory, queue depth, connection pools) threatens latency, or to remove capacity after a peak.',
      prerequisites: '- `kubectl` access; permission to change the HorizontalPodAutoscaler\n- Know the downstream limits (database connections, rate limits) before adding replicas',
      steps: [
        { id: 'check-saturation', title: 'Confirm saturation', instruction: 'Check resource use of the pods.', command: 'kubectl -n <namespace> top pods -l app=<service>', expected: 'CPU or memory near their limits on most pods.', on_failure: 'If pods are not saturated, more replicas will not help: investigate with the log investigation runbook.' },
        { id: 'check-downstream', title: 'Check downstream limits', instruction: 'Each replica opens database connections: make sure the database can take them.', expected: 'Enough free connections for the new replicas.', on_failure: 'Scale the connection pooler or the database first.' },
        { id: 'scale-out', title: 'Scale out', instruction: 'Raise the replica count (and the HPA minimum so the autoscaler does not undo it).', command: 'kubectl -n <namespace> scale deployment/<service> --replicas=<n>\nkubectl -n <namespace> patch hpa <service> -p \'{"spec":{"minReplicas":<n>}}\'', expected: 'New pods become Ready within a few minutes.', on_failure: 'If pods stay Pending, the cluster lacks nodes: scale the node group or ask the platform team.' },
        { id: 'watch', title: 'Watch latency', instruction: 'Watch latency and saturation for 15 minutes.', expected: 'Saturation below 70%, latency back to target.', on_failure: 'Scale further or shed load (rate limiting, feature flags).' },
      ],
      verification: '- Replicas Ready and receiving traffic\n- Latency and error rate within targets\n- A follow-up ticket to revisit the HPA minimum',
      rollback: 'Scale back in: `kubectl -n <namespace> scale deployment/<service> --replicas=<previous>` and restore the HPA minimum.',
      contacts: oncallContacts,
      related: ['cache-clear'],
    },
  },
  {
    key: 'rollback',
    title: 'Rollback',
    description: 'Revert to the previous version',
    kind: 'sop',
    subkind: 'rollback',
    tags: ['deploy', 'rollback'],
    content: {
      purpose: 'Use when a deploy made things worse. Roll back first, investigate later: the goal is to restore service within 5 minutes.',
      prerequisites: '- Deploy tool or `kubectl` access\n- The previous good version (image tag / release)\n- Database migrations of the bad release are backward compatible (check the release notes)',
      steps: [
        { id: 'confirm-deploy', title: 'Confirm a recent deploy', instruction: 'Check the rollout history: did the problem start with a release?', command: 'kubectl -n <namespace> rollout history deployment/<service>', expected: 'A release shortly before the symptoms began.', on_failure: 'If nothing was deployed, this is not a rollback case: use the troubleshooting guide.' },
        { id: 'freeze', title: 'Freeze deploys', instruction: 'Stop the pipeline so nobody redeploys the bad version.', expected: 'Deploys paused; the channel informed.', on_failure: 'Ask the release manager to pause it.' },
        { id: 'undo', title: 'Roll back', instruction: 'Return to the previous revision.', command: 'kubectl -n <namespace> rollout undo deployment/<service>\nkubectl -n <namespace> rollout status deployment/<service> --timeout=10m', expected: 'Rollout finishes with the previous image.', on_failure: 'If the old version cannot start (incompatible migration), escalate to the owning team immediately; consider a forward fix.' },
      ],
      verification: '- `kubectl -n <namespace> get deployment <service> -o jsonpath="{..image}"` shows the previous tag\n- Error rate and latency back to normal',
      rollback: 'To return to the new version, redeploy it through the normal pipeline once fixed.',
      contacts: oncallContacts,
      related: ['deployment'],
    },
  },
  {
    key: 'deployment',
    title: 'Deployment',
    description: 'Deploy a new version with checks and a way back',
    kind: 'sop',
    subkind: 'deployment',
    tags: ['deploy'],
    content: {
      purpose: 'The standard procedure for shipping a release to production.',
      prerequisites: '- The release passed CI and staging\n- No active incident on the service or its dependencies\n- Change recorded; on-call knows',
      steps: [
        { id: 'pre-checks', title: 'Pre-deploy checks', instruction: 'Check the dashboards are green and note the current version.', command: 'kubectl -n <namespace> get deployment <service> -o jsonpath="{..image}"', expected: 'Current image tag noted; no alerts firing.', on_failure: 'Do not deploy during an incident; reschedule.' },
        { id: 'deploy', title: 'Deploy', instruction: 'Trigger the deploy job (or set the image).', command: 'kubectl -n <namespace> set image deployment/<service> <container>=<image>:<tag>\nkubectl -n <namespace> rollout status deployment/<service> --timeout=10m', expected: 'Rollout completes.', on_failure: 'Follow the rollback runbook.' },
        { id: 'smoke-test', title: 'Smoke test', instruction: 'Run the smoke tests against production.', command: 'curl -fsS https://<service-host>/healthz', expected: 'HTTP 200 and smoke tests pass.', on_failure: 'Roll back (rollback runbook) and investigate in staging.' },
        { id: 'watch', title: 'Watch for 15 minutes', instruction: 'Compare error rate and latency with before the deploy.', expected: 'No regression.', on_failure: 'Roll back.' },
      ],
      verification: 'New version serving; error rate and latency no worse than before; release notes published.',
      rollback: 'Follow the rollback runbook: `kubectl -n <namespace> rollout undo deployment/<service>`.',
      contacts: oncallContacts,
      related: ['rollback'],
    },
  },
  {
    key: 'maintenance-window',
    title: 'Maintenance window',
    description: 'Planned maintenance with communication and validation',
    kind: 'sop',
    subkind: 'maintenance',
    tags: ['maintenance'],
    content: {
      purpose: 'Run planned maintenance (upgrades, patching, migrations) during low usage, with stakeholders informed and a validated way back.',
      prerequisites: '- Maintenance scheduled in a low-usage window and announced (status page, internal channel)\n- Backups verified\n- Rollback plan rehearsed; someone else available to help',
      steps: [
        { id: 'announce-start', title: 'Announce the start', instruction: 'Post the start on the status page and in the internal channel; silence expected alerts for the window.', expected: 'Stakeholders informed; silences in place.', on_failure: 'Do not start without the announcement.' },
        { id: 'backup', title: 'Take and verify a backup', instruction: 'Take a fresh backup and check it restores (or its checksum).', command: 'pg_dump -Fc -h <db-host> <db> > /backups/<db>-$(date +%F).dump && pg_restore -l /backups/<db>-$(date +%F).dump | head', expected: 'Backup written and readable.', on_failure: 'Stop: do not change anything without a usable backup.' },
        { id: 'perform', title: 'Perform the maintenance', instruction: 'Follow the change plan step by step; record each action on the timeline.', expected: 'Each change completes as planned.', on_failure: 'Stop and execute the rollback section if a step fails or the window runs out.' },
        { id: 'validate', title: 'Validate', instruction: 'Run health checks and smoke tests.', command: 'curl -fsS https://<service-host>/healthz', expected: 'All checks green.', on_failure: 'Roll back.' },
        { id: 'announce-end', title: 'Announce the end', instruction: 'Remove silences, update the status page and the channel.', expected: 'Maintenance closed.', on_failure: 'Remove silences by hand if they did not expire.' },
      ],
      verification: 'Health checks and smoke tests pass; no alerts after silences end; status page updated.',
      rollback: 'Revert each change in reverse order; restore the backup if data changed; announce the extended window.',
      contacts: oncallContacts,
      related: ['database-failover', 'deployment'],
    },
  },
];

export function findTemplate(key: string): RunbookTemplate | undefined {
  return RUNBOOK_TEMPLATES.find((t) => t.key === key);
}
