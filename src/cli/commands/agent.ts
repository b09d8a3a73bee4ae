/**
 * `skewer agent --server URL --join TOKEN`: this machine joins the study of the token (the line
 * `skewer search --server` prints; --join again for more studies). It advertises its
 * backend, GPUs, memory and slots, pulls the trials it can run, runs each in a child process and
 * keeps going until stopped. Ctrl-C once: finish the running trials, take no more. Twice (or
 * SIGTERM): kill them and hand them back to the queue at once.
 */
import { UserError } from '../../core/errors.ts';
import {
  Agent,
  checkAgentNameOption,
  checkedCapabilities,
  childProcessRunner,
  defaultAgentName,
  queueSettingsFromServer,
  resolveAgentBackend,
} from '../../agent/index.ts';
import { parseGpuMemory } from '../../models/gpu-memory.ts';
import { connectNats, redactUrls } from '../../transport/index.ts';
import { decodeJoinToken, type JoinCredential } from '../../transport/auth/index.ts';
import { defaultDatasetCache, resolveDataset } from '../../transport/dataset-archive.ts';
import { studyEncoderStores } from '../../transport/encoder-archive.ts';
import { DATASET_BUCKET } from '../../transport/subjects.ts';
import type { ObjectStore } from '../../transport/types.ts';
import { addNatsConnectionOptions, natsOptionsFromFlags, type NatsFlags } from '../nats-flags.ts';
import type { RegisterCommand } from './register.ts';

interface AgentFlags extends NatsFlags {
  slots?: string;
  name?: string;
  backend: string;
  gpuMemory?: string;
  heartbeatMs: string;
  cacheDir: string;
  quiet?: boolean;
  join: string[];
}

/** The studies to serve, from --join tokens (or SKEWER_JOIN, so a token stays out of `ps`). */
function credentialsFrom(tokens: readonly string[]): JoinCredential[] {
  const all = [...tokens, ...(process.env['SKEWER_JOIN']?.split(/[\s,]+/).filter(Boolean) ?? [])];
  if (all.length === 0) {
    throw new UserError('skewer agent needs --join TOKEN', { where: '--join', hint: 'Copy the `skewer agent --server … --join …` line that `skewer search --server` printed.' });
  }
  return all.map((token, i) => {
    try {
      return decodeJoinToken(token);
    } catch (error) {
      throw new UserError(`join token ${i + 1}: ${(error as Error).message}`, { where: '--join' });
    }
  });
}

function wholeNumber(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new UserError(`'${text}' is not allowed: give a whole number of at least ${min}`, { where: flag });
  }
  return value;
}

export const register: RegisterCommand = (program) => {
  const command = program
    .command('agent')
    .description('join a NATS server as an agent: pull trials this machine can run, one per free slot')
    .option('--slots <n>', 'trials at once (default: one per GPU, else 1)')
    .option('--name <name>', 'agent name shown in the UI (default: host-pid)')
    .option('--backend <name>', 'auto | tensorflow | webgpu | wasm | cpu', 'auto')
    .option('--gpu-memory <GiB>', 'GPU memory webgpu trials may use (default: nvidia-smi free memory, else 8 GiB)')
    .option('--heartbeat-ms <ms>', 'how often to tell coordinators this agent is alive', '1000')
    .option('--cache-dir <dir>', 'where fetched datasets are cached by content hash', defaultDatasetCache())
    .option('--quiet', 'no line per trial')
    .option('--join <token>', 'join the study of this token (printed by `skewer search --server`); repeatable', (token: string, all: string[]) => [...all, token], [] as string[]);
  addNatsConnectionOptions(command).action(async (flags: AgentFlags) => {
    const name = checkAgentNameOption(flags.name ?? defaultAgentName());
    const nats = natsOptionsFromFlags(flags, { name: `skewer-agent ${name}`, });
    if (!nats) throw new UserError('skewer agent needs --server', { where: '--server', hint: 'Give the URL of the NATS server the study runs on (skewer server starts one).' });
    const joins = credentialsFrom(flags.join);
    const heartbeatMs = wholeNumber('--heartbeat-ms', flags.heartbeatMs, 50);
    const log = (line: string): void => {
      if (!flags.quiet) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
    };
    if (flags.gpuMemory !== undefined) {
      parseGpuMemory(flags.gpuMemory);
      process.env.SKEWER_GPU_MEMORY = flags.gpuMemory; // advertised, and inherited by trial processes
    }
    const capabilities = await checkedCapabilities(resolveAgentBackend(flags.backend), { log });
    // One trial per GPU by default: two trials on one GPU contend for its memory.
    const slots = flags.slots === undefined ? Math.max(1, capabilities.gpus) : wholeNumber('--slots', flags.slots, 1);
    const transport = await connectNats(nats);
    const stop = new AbortController();
    const handBack = new AbortController();
    let interrupts = 0;
    const onSigint = (): void => {
      interrupts += 1;
      if (interrupts === 1) {
        log('stopping: finishing running trials (Ctrl-C again hands them back)');
        stop.abort();
      } else {
        log('handing running trials back');
        handBack.abort();
        stop.abort();
      }
    };
    const onSigterm = (): void => {
      handBack.abort();
      stop.abort();
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    try {
      // Bound, never created (an agent has no right to create streams), and opened on the first
      // trial that needs a dataset: an agent may start before any study published one.
      let objects: Promise<ObjectStore> | undefined;
      const datasetObjects = (): Promise<ObjectStore> =>
        (objects ??= transport.objects(DATASET_BUCKET, { bindOnly: true }).catch((error: unknown) => {
          objects = undefined;
          throw error;
        }));
      const verified = new Map<string, string>();
      const agent = new Agent({
        transport,
        name,
        joins,
        slots,
        capabilities,
        // Trials run on the backend the agent advertised (routing and execution agree).
        // A SimCLR encoder another agent of the study pretrained comes from the study's encoder
        // bucket instead of pretraining again.
        runner: childProcessRunner({ env: { SKEWER_BACKEND: capabilities.backend }, encoderStore: studyEncoderStores(transport) }),
        heartbeatMs,
        queueSettings: (study) => queueSettingsFromServer(transport, study, stop.signal, () => log(`waiting for study ${study} to start on this server…`)),
        resolveDataset: async (trial) => (trial.dataset ? resolveDataset(await datasetObjects(), trial.dataset, flags.cacheDir, verified) : undefined),
        log,
      });
      log(
        `agent ${name} joined ${joins.map((j) => `study ${j.study}`).join(', ')} on ${redactUrls(flags.server ?? '')}: backend ${capabilities.backend}, ${capabilities.gpus} GPU(s)${capabilities.gpu ? ` (${capabilities.gpu.name})` : ''}, ` +
          `${Math.round(capabilities.memoryBytes / 2 ** 30)} GiB, ${slots} slot(s), trial classes ${capabilities.classes.join('+')}`,
      );
      await agent.run(stop.signal, handBack.signal).catch((error: unknown) => {
        if (stop.signal.aborted && (error as Error).name === 'AbortError') return; // stopped while waiting for a study
        throw error;
      });
      log(`agent ${name} stopped`);
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      await transport.close();
    }
  });
};
