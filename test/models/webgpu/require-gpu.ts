// The webgpu tests need a WebGPU adapter: in CI the software GPU (Mesa llvmpipe through OpenGL ES)
// that .ci/run installs. Where it is missing they FAIL with this message; they never skip.
import { releaseBackends, selectBackend, type BackendInfo } from '../../../src/models/index.ts';

export const MISSING_GPU_HINT =
  'the webgpu tests need a WebGPU adapter; on Debian 12 install the software GPU with ' +
  '`apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri` (what .ci/run does), or run on a machine with a GPU driver';

/** Activates the webgpu backend (a software adapter is allowed) or throws naming what to install. */
export async function requireWebgpu(): Promise<BackendInfo> {
  try {
    return await selectBackend('webgpu');
  } catch (error) {
    const e = error as Error & { hint?: string };
    throw new Error(`${MISSING_GPU_HINT}\n  selectBackend('webgpu') said: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
  }
}

export { releaseBackends };
