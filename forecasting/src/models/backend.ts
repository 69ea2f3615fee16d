/**
 * TensorFlow.js backend selection, one code path for every run:
 *  1. `@tensorflow/tfjs-node` when it is installed (optional: its install downloads a native library that is not
 *     always reachable), else
 *  2. `@tensorflow/tfjs` on the WASM backend, its binaries loaded from node_modules by file path (never a CDN), else
 *  3. `@tensorflow/tfjs` on the pure-JS CPU backend.
 * `CUPOLA_TF_BACKEND=wasm|cpu|node` forces one. Every job reports `backend`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type Tf = typeof import('@tensorflow/tfjs');

export interface TfRuntime {
  tf: Tf;
  backend: string;
}

let cached: Promise<TfRuntime> | undefined;

async function tryNode(): Promise<TfRuntime | undefined> {
  const name = '@tensorflow/tfjs-node';
  try {
    const tf = (await import(/* @vite-ignore */ name)) as Tf;
    await tf.ready();
    return { tf, backend: `tensorflow (tfjs-node)` };
  } catch {
    return undefined;
  }
}

async function tryWasm(tf: Tf): Promise<string | undefined> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
    wasm.setWasmPaths(dir);
    // one thread: deterministic reductions, and the machine is shared
    if (typeof wasm.setThreadsCount === 'function') wasm.setThreadsCount(1);
    if (!(await tf.setBackend('wasm'))) return undefined;
    await tf.ready();
    return 'wasm';
  } catch {
    return undefined;
  }
}

async function load(): Promise<TfRuntime> {
  const want = process.env.CUPOLA_TF_BACKEND;
  if (!want || want === 'node') {
    const node = await tryNode();
    if (node) return node;
    if (want === 'node') throw new Error('CUPOLA_TF_BACKEND=node but @tensorflow/tfjs-node is not installed');
  }
  const tf = (await import('@tensorflow/tfjs')) as Tf;
  if (want !== 'cpu') {
    const b = await tryWasm(tf);
    if (b) return { tf, backend: b };
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu' };
}

/** The TensorFlow.js runtime of this process (loaded once). */
export function loadTf(): Promise<TfRuntime> {
  cached ??= load();
  return cached;
}
