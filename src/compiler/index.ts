export { compileCluster, filesOf, type CompiledCluster } from './compile.ts';
export { ClusterLoadError, CompileError, ObjectValidationError, TypeScriptError, describeProblem, type ObjectProblem, type TypeScriptDiagnostic } from './errors.ts';
export { KIND_NAME_RULES, NAME_RULES, checkLabelValue, checkQualifiedName, validateObjectNames, type NameRule } from './names.ts';
export { clusterEntry, discoverClusters, projectLayout, type ProjectLayout } from './project.ts';
export { compile, synth, type ClusterAction, type ClusterSynthResult, type SynthOptions, type SynthProgress, type SynthResult } from './synth.ts';
export { typeCheck, type TypeCheckOptions, type TypeCheckResult } from './typecheck.ts';
export { listFiles, syncDirectory, type WriteResult } from './write.ts';
export { checkOutput, compareDirectories, type CheckOptions, type CheckResult, type ClusterCheck, type FileChange, type FileDifference } from './check.ts';
export { SchemaValidator, jsonPath, type SchemaTarget, type SchemaValidatorOptions } from './schema.ts';
