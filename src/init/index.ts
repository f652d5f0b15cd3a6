export { ScaffoldConflictError, scaffoldProject, type ScaffoldOptions, type ScaffoldResult } from './scaffold.ts';
