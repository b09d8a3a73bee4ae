/** @jsxRuntime automatic */
/** The `?` overlay: every key valid where the person was, with what it does; any key closes it. */
import { Box, Text } from 'ink';
import { fit } from '../format.ts';
import { keysFor, MODE_TITLES, type KeyContext } from './keys.ts';

export function Help({ context, width }: { context: KeyContext; width: number }) {
  const keys = keysFor(context);
  const keyWidth = Math.min(16, Math.max(...keys.map((k) => [...k.keys].length)) + 2);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{fit(`keys in ${MODE_TITLES[context.mode]}`, width)}</Text>
      {keys.map((key) => (
        <Text key={key.keys} wrap="truncate">
          {fit(`  ${fit(key.keys, keyWidth)}${key.does}`, width)}
        </Text>
      ))}
      <Text dimColor>any key closes this help</Text>
    </Box>
  );
}
