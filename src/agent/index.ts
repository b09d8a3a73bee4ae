/** The agent's surface: the loop, how trials run (child process or in-process), and capabilities. */
export { Agent, type AgentOptions } from './agent.ts';
export type { AgentState } from './lifecycle.ts';
export { childProcessRunner, inProcessRunner, type TrialRunner, type RunOptions, type ChildRunnerOptions } from './runner.ts';
export { checkedCapabilities, detectCapabilities, webgpuCapabilities, resolveAgentBackend, classesFor, defaultAgentName, checkAgentNameOption, AGENT_BACKENDS, type AgentBackend, type AdvertisedGpu, type Capabilities } from './capabilities.ts';
export { queueSettingsFromServer, type QueueSettingsValue } from './settings.ts';
export { TrialFailure, type TrialRun } from './protocol.ts';
export { defaultLocalAgents } from './slots.ts';
