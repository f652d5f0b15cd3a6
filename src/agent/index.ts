// The agent process and its HTTP endpoints.
export { pushUrls, startAgent, type AgentHandle, type AgentProps } from './agent.ts';
export { INSTALL_HINT, missingPrerequisites, waitForPrerequisites, type PrerequisiteOptions } from './prerequisites.ts';
