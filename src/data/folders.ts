/**
 * The folder-per-class source: every image file under DIR/<class>/, at any depth.
 *
 * Symlinks are followed only while they stay inside the dataset root (its real path): what the
 * scan counts is then exactly what the dataset hash covers and what `publishDataset` ships to
 * remote agents (src/transport/dataset-archive.ts follows the same rule). A link that leaves the
 * root, a link loop (a link back to a folder that contains it, or to itself) and an image reached
 * twice through links (an alias: the same file counted twice, or under two labels) are refused
 * with one DatasetError that lists them. A dangling link is an unreadable file, like a corrupt one.
 * Names that are not UTF-8 are left out as unreadable with their bytes shown (file-names.ts).
 */
import type { Dirent } from 'node:fs';
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from '../core/errors.ts';
import { RENAME_ADVICE, escapeBytes, isMangled, undecodableNames } from './file-names.ts';
import { compareText } from './order.ts';

/** One image file found (or a reason it cannot be read, known before reading it). */
export interface Candidate {
  path: string;
  relative: string;
  label: string;
  /** A reason known before decoding (a dangling link, a manifest row naming a missing file, …). */
  missing?: string;
  /** The manifest line of this image (CSV sources). */
  line?: number;
}

const MAX_LISTED = 5;

class Walk {
  readonly candidates: Candidate[] = [];
  readonly loops: string[] = [];
  readonly outside: string[] = [];
  readonly aliases: string[] = [];
  /** Real path of each image file seen -> where it was first seen. */
  private readonly seen = new Map<string, { relative: string; label: string }>();

  constructor(
    readonly root: string,
    readonly rootReal: string,
    private readonly isImage: (name: string) => boolean,
  ) {}

  rel(full: string): string {
    return path.relative(this.root, full).split(path.sep).join('/');
  }

  inside(real: string): boolean {
    return real === this.rootReal || real.startsWith(this.rootReal + path.sep);
  }

  /** The entries of a folder, sorted; undecodable names become unreadable candidates of `label`. */
  async entries(dir: string, label: string | undefined): Promise<Dirent[]> {
    const entries = await readdir(dir, { withFileTypes: true });
    const bad = await undecodableNames(dir, entries.map((e) => e.name));
    for (const raw of bad) {
      const shown = path.join(dir, escapeBytes(raw));
      if (label === undefined) {
        throw new DatasetError(`a class folder's name is not valid UTF-8: '${escapeBytes(raw)}' (bytes shown escaped)`, {
          where: this.root,
          hint: `Class names are text: ${RENAME_ADVICE.replace('DIR', this.root)}.`,
        });
      }
      this.candidates.push({ path: shown, relative: this.rel(shown), label, missing: `the name is not valid UTF-8 (bytes shown escaped), so it cannot be opened by name: ${RENAME_ADVICE.replace('DIR', this.root)}` });
    }
    return entries.filter((e) => !e.name.startsWith('.') && !isMangled(e.name, bad)).sort((a, b) => compareText(a.name, b.name));
  }

  /**
   * What a directory entry is once links are followed: a folder (with its real path), a file, or
   * nothing to list (recorded as a loop or an escape). Real folders keep their parent's real path.
   */
  async resolve(entry: Dirent, full: string, parentReal: string, chain: ReadonlySet<string>): Promise<{ kind: 'dir' | 'file'; real: string } | { kind: 'dangling'; target: string } | undefined> {
    if (!entry.isSymbolicLink()) {
      const real = path.join(parentReal, entry.name);
      if (entry.isDirectory()) return { kind: 'dir', real };
      return entry.isFile() ? { kind: 'file', real } : undefined;
    }
    const target = await readlink(full);
    let real: string;
    try {
      real = await realpath(full);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') {
        this.loops.push(`${this.rel(full)} -> ${target} (links never reach a file or folder)`);
        return undefined;
      }
      if (code === 'ENOENT') return { kind: 'dangling', target };
      throw error;
    }
    if (!this.inside(real)) {
      this.outside.push(`${this.rel(full)} -> ${real}`);
      return undefined;
    }
    const info = await stat(real);
    if (info.isDirectory()) {
      if (chain.has(real)) {
        this.loops.push(`${this.rel(full)} -> ${target} (leads back to ${real === this.rootReal ? 'the dataset root' : `${path.relative(this.rootReal, real).split(path.sep).join('/')}/`}, which contains it)`);
        return undefined;
      }
      return { kind: 'dir', real };
    }
    return info.isFile() ? { kind: 'file', real } : undefined;
  }

  addImage(full: string, real: string, label: string): void {
    const relative = this.rel(full);
    const first = this.seen.get(real);
    if (first) {
      this.aliases.push(
        first.label === label
          ? `${relative} is ${first.relative} (twice in class '${label}')`
          : `${relative} (class '${label}') is ${first.relative} (class '${first.label}')`,
      );
      return;
    }
    this.seen.set(real, { relative, label });
    this.candidates.push({ path: full, relative, label });
  }

  /** Every image under `dir` (real path `dirReal`), as class `label`. */
  async listImages(dir: string, dirReal: string, label: string, chain: ReadonlySet<string>): Promise<number> {
    let found = 0;
    for (const entry of await this.entries(dir, label)) {
      const full = path.join(dir, entry.name);
      const resolved = await this.resolve(entry, full, dirReal, chain);
      if (!resolved) continue;
      if (resolved.kind === 'dir') {
        found += await this.listImages(full, resolved.real, label, new Set([...chain, resolved.real]));
      } else if (this.isImage(entry.name)) {
        found += 1;
        if (resolved.kind === 'dangling') this.candidates.push({ path: full, relative: this.rel(full), label, missing: `dangling symlink (-> ${resolved.target}): cannot read file` });
        else this.addImage(full, resolved.real, label);
      }
    }
    return found;
  }

  /** One DatasetError for every link the scan refuses to follow, or nothing. */
  refusal(): DatasetError | undefined {
    const parts: string[] = [];
    const hints: string[] = [];
    const list = (items: string[]): string =>
      items
        .slice(0, MAX_LISTED)
        .map((item) => `\n    ${item}`)
        .join('') + (items.length > MAX_LISTED ? `\n    … and ${items.length - MAX_LISTED} more` : '');
    if (this.loops.length) {
      parts.push(`${this.loops.length} symlink loop(s):${list(this.loops)}`);
      hints.push('remove the looping links');
    }
    if (this.outside.length) {
      parts.push(`${this.outside.length} symlink(s) lead outside the dataset root ${this.rootReal}:${list(this.outside)}`);
      hints.push(
        'links are followed only inside the root, so that the dataset hash and the copy shipped to remote agents hold what the scan counts: ' +
          'replace such links with copies (`cp -rL`) or hard links (`cp -al`, same file system)',
      );
    }
    if (this.aliases.length) {
      parts.push(`${this.aliases.length} image(s) reached twice through symlinks:${list(this.aliases)}`);
      hints.push('an image belongs to one class, once (a second copy would leak between folds, a second label contradicts the first): remove the aliasing link');
    }
    if (!parts.length) return undefined;
    return new DatasetError(`the dataset's symlinks cannot be followed as they are: ${parts.join('\n  ')}`, {
      where: this.root,
      hint: `${hints.join('; ')}.`,
    });
  }
}

/** Lists the images of a folder-per-class dataset (see the file comment for the rules on links). */
export async function listClassFolders(root: string, isImage: (name: string) => boolean): Promise<Candidate[]> {
  const walk = new Walk(root, await realpath(root), isImage);
  const classes: Array<{ name: string; real: string }> = [];
  const chain = new Set([walk.rootReal]);
  for (const entry of await walk.entries(root, undefined)) {
    const resolved = await walk.resolve(entry, path.join(root, entry.name), walk.rootReal, chain);
    if (resolved?.kind === 'dir') classes.push({ name: entry.name, real: resolved.real });
  }
  if (classes.length === 0 && !walk.loops.length && !walk.outside.length) {
    throw new DatasetError('no class folders found', {
      where: root,
      hint: 'put each class in its own sub-folder, e.g. DIR/defect/*.png and DIR/ok/*.png',
    });
  }
  for (const { name, real } of classes) {
    const found = await walk.listImages(path.join(root, name), real, name, new Set([...chain, real]));
    // A class folder with no image files is still a class: reported as empty by the scan.
    if (found === 0) walk.candidates.push({ path: '', relative: '', label: name, missing: 'empty' });
  }
  const refusal = walk.refusal();
  if (refusal) throw refusal;
  return walk.candidates;
}
