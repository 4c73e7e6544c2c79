import type { OpsSection } from '../../ops/sections.js';

/** Communication templates as a section of the `ballast apply` document. */
export const incidentUpdateOpsSections: OpsSection[] = [];
