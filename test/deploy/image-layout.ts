/**
 * The runtime stage of the shipped Dockerfile laid out in a directory, without a Docker engine: the
 * build context is what `.dockerignore` lets in, the build output (`dist/`) is compiled from that
 * context alone with the build's own tsconfig, and each of the runtime's COPY instructions is
 * carried out from it, so a file the image forgets to copy (or the context leaves out) is missing
 * here too. `node_modules` is the repository's own (a link), not a production-only install.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { readCopy, readDockerfile, type Stage, stages } from './dockerfile.js';
import { inContext, shippedDockerignore } from './dockerignore.js';
import { ROOT } from './manifests.js';

export interface ImageLayout {
  /** The directory standing for the image's WORKDIR. */
  dir: string;
  /** The image's WORKDIR (`/app`): paths in the Dockerfile's commands are rewritten from it to `dir`. */
  workdir: string;
  /** `path` with the image's WORKDIR replaced by `dir`. */
  local(path: string): string;
  /**
   * Directories of the layout that stand for another one (`node_modules`: the repository's), as
   * [source, mount point]: bind-mounted in the container's mount namespace, so the image's user
   * reads them whatever the permissions of the directories above the source (a checkout in a
   * private temporary directory, for one).
   */
  binds: Array<[string, string]>;
  remove(): void;
}

/** The last WORKDIR of a stage. */
export function workdirOf(stage: Stage): string {
  const workdir = stage.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args;
  if (workdir === undefined) throw new Error(`Dockerfile stage ${stage.name} has no WORKDIR`);
  return workdir;
}

/** The output folder of `npm run build` (tsconfig.build.json's outDir). */
export const BUILD_OUTPUT = 'dist';

/** Folders never walked for the context: .dockerignore keeps them out (dockerfile.test.ts checks). */
const NOT_WALKED = new Set(['.git', 'node_modules', '.cache', 'dist', 'test-artifacts', 'coverage']);

/** Copies into `dir` every file of the repository `.dockerignore` lets into the build context. */
export function copyContext(dir: string): number {
  const rules = shippedDockerignore();
  let copied = 0;
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(ROOT, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!NOT_WALKED.has(entry.name)) walk(path);
      } else if (entry.isFile() && inContext(path, rules)) {
        mkdirSync(join(dir, relative), { recursive: true });
        cpSync(join(ROOT, path), join(dir, path));
        copied++;
      }
    }
  };
  walk('');
  return copied;
}

/** Compiles the context's src/ with its tsconfig.build.json into `outDir`; throws with tsc's output. */
export function buildInto(context: string, outDir: string): void {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  const result = spawnSync(tsc, ['-p', join(context, 'tsconfig.build.json'), '--outDir', outDir], {
    cwd: context,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`the build failed:\n${result.stdout}${result.stderr}`);
}

/**
 * Lays out the Dockerfile's runtime stage: COPY --from=<build stage> /app/<path> is the repository's
 * <path> (dist/ freshly built), COPY --from=<deps stage> node_modules the repository's (bound in).
 */
export function layOutImage(): ImageLayout {
  const all = stages(readDockerfile());
  const runtime = all.at(-1)!;
  const workdir = workdirOf(runtime);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-image-'));
  // The image's files are readable by its unprivileged user.
  chmodSync(dir, 0o755);
  // The build stage's /app: the context, then the build's node_modules (the repository's).
  const context = mkdtempSync(join(tmpdir(), 'switchboard-context-'));
  copyContext(context);
  symlinkSync(join(ROOT, 'node_modules'), join(context, 'node_modules'));
  const local = (path: string): string =>
    path === workdir || path.startsWith(`${workdir}/`) ? join(dir, path.slice(workdir.length)) : path;
  const binds: Array<[string, string]> = [];
  try {
    for (const instruction of runtime.instructions.filter((i) => i.keyword === 'COPY')) {
      const copy = readCopy(instruction);
      const fromStage = all.find((s) => s.name === copy.from);
      if (fromStage === undefined) {
        throw new Error(`Dockerfile line ${copy.line}: the runtime copies from the context, not a stage`);
      }
      const stageDir = workdirOf(fromStage);
      for (const source of copy.sources) {
        const inRepo = posix.relative(stageDir, posix.resolve(stageDir, source));
        const target = copy.destination.endsWith('/')
          ? join(local(posix.resolve(workdir, copy.destination)), posix.basename(source))
          : local(posix.resolve(workdir, copy.destination));
        mkdirSync(dirname(target), { recursive: true });
        if (inRepo === 'node_modules') {
          mkdirSync(target);
          binds.push([join(ROOT, 'node_modules'), target]);
        } else if (inRepo === BUILD_OUTPUT) buildInto(context, target);
        else if (existsSync(join(context, inRepo)))
          cpSync(join(context, inRepo), target, { recursive: true });
        else throw new Error(`Dockerfile line ${copy.line}: ${source} is not in the build context`);
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return { dir, workdir, local, binds, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
