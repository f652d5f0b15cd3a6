// Installing Strata: where this installation lives, and `strata install`'s objects.
export { PACKAGE_NAME, defaultAgentImage, installationNodeModules, installationRoot, installationVersion } from './installation.ts';
export { installAgent, installManifests, type InstallOptions } from './install.ts';
export { MIN_KUBERNETES_VERSION, preChecks, type PreCheck, type PreCheckName, type PreCheckOptions } from './pre-check.ts';
