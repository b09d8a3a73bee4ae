import { z } from 'zod';
import type { Codec } from './types.ts';

/** A payload that failed validation: logged and rejected, never executed. */
export class InvalidMessageError extends Error {
  constructor(readonly reason: string) {
    super(`invalid message: ${reason}`);
    this.name = 'InvalidMessageError';
  }
}

/** What a transport reports when it drops a message that fails `decode`. */
export interface InvalidMessage {
  /** Where it arrived: `queue TRIALS`, `kv STUDY key trial.7`, `bus skewer.report.x`. */
  readonly source: string;
  readonly reason: string;
}

export type InvalidMessageHandler = (message: InvalidMessage) => void;

/** The default handler: one line on stderr, so a foreign or malformed message is visible. */
export const logInvalidMessage: InvalidMessageHandler = ({ source, reason }) => {
  process.stderr.write(`skewer transport: rejected a malformed message from ${source}: ${reason}\n`);
};

/** Decodes or reports; returns `undefined` for a message that must be rejected. */
export function decodeOrReport<T>(
  codec: Codec<T>,
  bytes: Uint8Array,
  source: string,
  onInvalid: InvalidMessageHandler,
): { value: T } | undefined {
  try {
    return { value: codec.decode(bytes) };
  } catch (error) {
    onInvalid({ source, reason: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A format whose documents carry their version in `field`; this skewer reads up to `current`. */
export interface VersionedFormat {
  readonly field: string;
  readonly current: number;
  /** What the format is, for the message: 'message protocol', 'KV record format'. */
  readonly what: string;
}

/**
 * A document of a later version than this skewer reads is refused as such, before its schema is
 * checked: "written by a newer skewer", not a list of fields it does not know.
 */
export function refuseNewer(json: unknown, format: VersionedFormat): void {
  const version = json && typeof json === 'object' ? (json as Record<string, unknown>)[format.field] : undefined;
  if (typeof version === 'number' && Number.isInteger(version) && version > format.current) {
    throw new InvalidMessageError(
      `written by a newer skewer (${format.what} ${version}; this skewer reads up to ${format.current}): upgrade skewer here to read it`,
    );
  }
}

/**
 * JSON on the wire, validated by `schema` both ways: `encode` refuses a value that is not a
 * valid T (a bug in the sender), `decode` throws `InvalidMessageError` naming the bad field.
 */
export function zodCodec<S extends z.ZodType>(schema: S, versioned?: VersionedFormat): Codec<z.output<S>> {
  return {
    encode(value) {
      const checked = schema.safeParse(value);
      if (!checked.success) {
        throw new InvalidMessageError(`refusing to send an invalid message:\n${z.prettifyError(checked.error)}`);
      }
      return encoder.encode(JSON.stringify(checked.data));
    },
    decode(bytes) {
      let text: string;
      let json: unknown;
      try {
        text = decoder.decode(bytes);
      } catch {
        throw new InvalidMessageError(`not UTF-8 text (${bytes.length} bytes)`);
      }
      try {
        json = JSON.parse(text);
      } catch (error) {
        const preview = text.length > 80 ? `${text.slice(0, 80)}…` : text;
        throw new InvalidMessageError(`not JSON (${(error as Error).message}): ${JSON.stringify(preview)}`);
      }
      if (versioned) refuseNewer(json, versioned);
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new InvalidMessageError(z.prettifyError(parsed.error));
      return parsed.data;
    },
  };
}
