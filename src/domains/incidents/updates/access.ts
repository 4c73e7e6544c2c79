/**
 * The incidents core's lookups and checks, used as they are so updates follow the same rules as every
 * other change to an incident: `INC-<n>`, `<n>` or the id; editors are admins or responders+ on the team
 * of an affected service; any signed-in user may read.
 */
export { canEditIncident, findIncident, mustFindIncident, requireIncidentEditor, requireIncidentViewer } from '../access.js';
export { incidentRef } from '../model.js';
