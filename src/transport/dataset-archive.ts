/**
 * Dataset distribution through the object store. The coordinator hashes the dataset folder
 * (sha256 over sorted relative paths, sizes and file digests) and stores it once under that hash;
 * an agent uses the same folder when it sees identical content at the same path (a shared
 * mount), else fetches the archive once and caches it by hash (`~/.cache/skewer/datasets/<hash>`).
 *
 * Archive format (streamed both ways): `SKEWER-DATASET 1\n`, then per file a JSON header line
 * `{"path":"rel/path","size":N}\n` followed by exactly N bytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { UserError } from '../core/errors.ts';
import { DATASET_HASH_PATTERN, DATASET_OBJECT_SUFFIX, PLAIN_FILE_NAME_PATTERN } from '../core/names.ts';
import type { DatasetRef } from './messages.ts';
import type { ObjectStore } from './types.ts';

const MAGIC = 'SKEWER-DATASET 1\n';
const COMPLETE_MARKER = '.skewer-complete';

export function defaultDatasetCache(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'skewer', 'datasets');
}

interface FileEntry {
  readonly rel: string;
  readonly size: number;
}

/**
 * The files of a dataset folder, sorted by relative path. Symlinks are followed while they stay
 * inside the folder (a linked file travels as a plain file at the link's path), as the dataset
 * scan follows them (src/data/folders.ts): what the scan counts is what is hashed and shipped. A
 * link that leaves the folder, or loops back into a folder containing it, is refused by name.
 */
async function listFiles(root: string): Promise<FileEntry[]> {
  const rootReal = await realpath(root);
  const out: FileEntry[] = [];
  const refused: string[] = [];
  const walk = async (dir: string, chain: ReadonlySet<string>): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      let real = full;
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          real = await realpath(full);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') continue; // dangling: no file to ship (the scan lists it unreadable)
          if (code === 'ELOOP') {
            refused.push(`${rel}: a symlink loop`);
            continue;
          }
          throw error;
        }
        if (real !== rootReal && !real.startsWith(rootReal + path.sep)) {
          refused.push(`${rel} -> ${real}: outside the dataset folder`);
          continue;
        }
        const info = await stat(real);
        isDirectory = info.isDirectory();
        isFile = info.isFile();
        if (isDirectory && chain.has(real)) {
          refused.push(`${rel} -> ${real}: a symlink loop`);
          continue;
        }
      } else if (isDirectory) real = await realpath(full);
      if (isDirectory) await walk(full, new Set([...chain, real]));
      else if (isFile && entry.name !== COMPLETE_MARKER) out.push({ rel, size: (await stat(full)).size });
    }
  };
  await walk(root, new Set([rootReal]));
  if (refused.length) {
    throw new UserError(`the dataset folder has symlinks that cannot be shipped to agents: ${refused.slice(0, 5).join('; ')}${refused.length > 5 ? ` (and ${refused.length - 5} more)` : ''}`, {
      where: root,
      hint: 'Links are followed only inside the dataset folder (what is hashed is what agents receive): replace the others with copies (`cp -rL`) or hard links (`cp -al`).',
    });
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** The folder a dataset path lives in (a manifest file's folder) and the entry inside it. */
function splitDatasetPath(datasetPath: string): { root: string; entry: string | undefined } {
  return existsSync(datasetPath) && !isDirectorySync(datasetPath)
    ? { root: path.dirname(datasetPath), entry: path.basename(datasetPath) }
    : { root: datasetPath, entry: undefined };
}

function isDirectorySync(file: string): boolean {
  return statSync(file).isDirectory();
}

export async function hashDataset(root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listFiles(root)) {
    const digest = createHash('sha256');
    for await (const chunk of createReadStream(path.join(root, file.rel))) digest.update(chunk as Buffer);
    hash.update(`${file.rel}\0${file.size}\0${digest.digest('hex')}\n`);
  }
  return hash.digest('hex');
}

/** The hash of a folder here that may hold the dataset; none when its links could not be shipped (then it is not the same content). */
async function localHash(root: string): Promise<string | undefined> {
  try {
    return await hashDataset(root);
  } catch (error) {
    if (error instanceof UserError) return undefined;
    throw error;
  }
}

/** The archive of a folder's files (also how pretrained encoders travel, src/transport/encoder-archive.ts). */
export async function* packDataset(root: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(MAGIC);
  for (const file of await listFiles(root)) {
    yield Buffer.from(`${JSON.stringify({ path: file.rel, size: file.size })}\n`);
    let sent = 0;
    for await (const chunk of createReadStream(path.join(root, file.rel))) {
      sent += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (sent !== file.size) throw new Error(`${file.rel} changed size while being packed`);
  }
}

/** Stores the dataset under its hash unless it is there already; returns what trials carry. */
export async function publishDataset(objects: ObjectStore, datasetPath: string): Promise<DatasetRef> {
  const absolute = path.resolve(datasetPath);
  if (!existsSync(absolute)) {
    throw new UserError('dataset not found', { where: absolute, hint: 'Check base.dataset.path in the study file.' });
  }
  const { root, entry } = splitDatasetPath(absolute);
  const hash = await hashDataset(root);
  const object = `${hash}${DATASET_OBJECT_SUFFIX}`;
  if (!(await objects.has(object))) await objects.put(object, packDataset(root));
  return { hash, object, path: absolute, ...(entry && { entry }) };
}

/** Unpacks an archive into `target` (an existing folder); an entry that would land outside it is refused. */
export async function unpack(stream: AsyncIterable<Uint8Array>, target: string): Promise<void> {
  let buffer = Buffer.alloc(0);
  let magicSeen = false;
  let current: { handle: Awaited<ReturnType<typeof open>>; left: number } | undefined;
  for await (const chunk of stream) {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : Buffer.from(chunk);
    for (;;) {
      if (current) {
        const take = Math.min(current.left, buffer.length);
        if (take > 0) await current.handle.write(buffer.subarray(0, take));
        buffer = buffer.subarray(take);
        current.left -= take;
        if (current.left > 0) break;
        await current.handle.close();
        current = undefined;
      }
      const newline = buffer.indexOf(0x0a);
      if (newline < 0) break;
      const line = buffer.subarray(0, newline + 1).toString('utf8');
      buffer = buffer.subarray(newline + 1);
      if (!magicSeen) {
        if (line !== MAGIC) throw new Error('not a skewer dataset archive');
        magicSeen = true;
        continue;
      }
      const header = JSON.parse(line) as { path: string; size: number };
      const file = path.resolve(target, header.path);
      if (!file.startsWith(target + path.sep)) throw new Error(`archive entry escapes the target: ${header.path}`);
      await mkdir(path.dirname(file), { recursive: true });
      current = { handle: await open(file, 'w'), left: header.size };
      if (header.size === 0) {
        await current.handle.close();
        current = undefined;
      }
    }
  }
  if (current || buffer.length) throw new Error('dataset archive is truncated');
}

/**
 * A local path with the dataset's content: the coordinator's path when it holds the same content
 * here, else the cache (fetching and unpacking it once). `verified` remembers paths already hashed.
 * When neither the path nor the object store has it, a UserError says which dataset, what was
 * found at the path, and what to do.
 */
export async function resolveDataset(
  objects: ObjectStore,
  ref: DatasetRef,
  cacheRoot = defaultDatasetCache(),
  verified = new Map<string, string>(),
): Promise<string> {
  // The ref came off the bus: its schema checked these, and the file system edge checks them again.
  if (!DATASET_HASH_PATTERN.test(ref.hash) || (ref.entry !== undefined && !PLAIN_FILE_NAME_PATTERN.test(ref.entry))) {
    throw new Error(`refusing dataset ref ${JSON.stringify({ hash: ref.hash, entry: ref.entry })}: the hash must be 64 hex digits and the entry a plain file name`);
  }
  const known = verified.get(ref.hash);
  if (known) return known;
  const remember = (resolved: string): string => {
    verified.set(ref.hash, resolved);
    return resolved;
  };
  const entry = ref.entry;
  const root = entry ? path.dirname(ref.path) : ref.path;
  // 1. The coordinator's own path, when this machine holds the same content there.
  const exists = existsSync(root);
  const here = exists ? await localHash(root) : undefined;
  if (here === ref.hash) return remember(ref.path);
  // 2. A complete copy fetched earlier (a folder without the marker is a crash mid-fetch: fetched again).
  const cached = path.join(cacheRoot, ref.hash);
  const inside = (dir: string): string => (entry ? path.join(dir, entry) : dir);
  if (existsSync(path.join(cached, COMPLETE_MARKER))) return remember(inside(cached));
  // 3. Fetched from the object store into the cache.
  const why = !exists ? 'absent on this machine' : here === undefined ? 'not a readable dataset here' : `other content here (hash ${here.slice(0, 12)}…)`;
  const stream = await objects.get(ref.object);
  if (!stream) {
    throw new UserError(`dataset ${ref.hash.slice(0, 12)}… is neither at ${root} (${why}) nor in the object store (object ${ref.object})`, {
      where: `dataset cache ${cacheRoot}`,
      hint: `Run this agent against the server its study was started on (\`skewer search --server\` stores the dataset there), or mount the study's dataset at ${root}.`,
    });
  }
  const partial = `${cached}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  try {
    await unpack(stream, partial);
    const fetched = await hashDataset(partial);
    if (fetched !== ref.hash) {
      throw new UserError(`dataset ${ref.hash.slice(0, 12)}…: the copy fetched from the object store has other content (hash ${fetched.slice(0, 12)}…); nothing was cached`, {
        where: `object ${ref.object}`,
        hint: 'The stored archive is damaged: start the study again with `skewer search --server` to store it anew.',
      });
    }
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  await writeFile(path.join(partial, COMPLETE_MARKER), '');
  await rm(cached, { recursive: true, force: true });
  await rename(partial, cached);
  return remember(inside(cached));
}
