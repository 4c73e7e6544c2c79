import type { OpsSection } from '../ops/sections.js';

/** This module's sections of the `ballast apply` document. */
export const runbookOpsSections: OpsSection[] = [];
