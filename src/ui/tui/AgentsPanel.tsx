/** @jsxRuntime automatic */
/**
 * One line per agent: name, backend, busy slots, GPU adapter (webgpu agents), last heartbeat; lost agents (missed heartbeats) in
 * red and marked LOST; agents that stopped cleanly dimmed and marked `left`, since that is no fault.
 */
import { Box, Text } from 'ink';
import { memo } from 'react';
import type { AgentInfo } from '../../core/events.ts';
import { fit, formatAge } from '../format.ts';
import { usePalette } from './theme.ts';

/** The adapter in a few characters: its name, memory, and `sw` for a software GPU. */
export function gpuLabel(gpu: NonNullable<AgentInfo['gpu']>): string {
  const name = gpu.name.replace(/\s*\((vulkan|opengles)(, software)?\)$/, '').replace(/, vendor [^,]*$/, '');
  return `${gpu.software ? 'sw ' : ''}${Math.round(gpu.memoryBytes / 2 ** 30)}G ${name}`;
}

const AgentRow = memo(function AgentRow({ agent, now, width }: { agent: AgentInfo; now: number; width: number }) {
  const { paint } = usePalette();
  const text = [
    fit(agent.name, 14),
    fit(agent.backend, 10),
    fit(`${agent.busy}/${agent.slots} busy`, 9),
    ...(agent.gpu ? [fit(gpuLabel(agent.gpu), 24)] : []),
    agent.lost ? 'LOST' : agent.left ? 'left' : `♥ ${formatAge(agent.lastHeartbeat, now)}`,
  ].join(' ');
  return (
    <Text color={agent.lost ? paint('red') : undefined} bold={agent.lost} dimColor={agent.left} wrap="truncate">
      {fit(`  ${text}`, width)}
    </Text>
  );
});

export function AgentsPanel({ agents, now, width }: { agents: readonly AgentInfo[]; now: number; width: number }) {
  const lost = agents.filter((agent) => agent.lost).length;
  const left = agents.filter((agent) => agent.left).length;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {`agents ${agents.length - lost - left} up${lost ? `, ${lost} lost` : ''}${left ? `, ${left} left` : ''}`}
      </Text>
      {agents.map((agent) => (
        <AgentRow key={agent.name} agent={agent} now={now} width={width} />
      ))}
    </Box>
  );
}
