/**
 * Model registry: `$CUPOLA_DATA_DIR/models/<kind>/<id>/` holding `model.json` (tfjs topology + weight specs),
 * `weights.bin` and `metadata.json` (data window, features, metrics, backend, git revision, config). A model is
 * written to a temporary folder and renamed into place only when complete, so a failed run leaves no model.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from '../models/backend.ts';
import { ForecastInputError } from '../errors.ts';

export type ModelKind = 'demand' | 'noshow';

export interface ModelMetadata {
  id: string;
  kind: ModelKind;
  created_at: string;
  git_revision: string;
  backend: string;
  seed: number;
  source: string;
  data_window: { from: string; to: string; rows: number; series?: number };
  features: string[];
  metrics: Record<string, unknown>;
  config: Record<string, unknown>;
  /** anything the model needs at prediction time besides its weights (standardiser, calibration, window) */
  state: Record<string, unknown>;
}

export function gitRevision(cwd = process.cwd()): string {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() ? '+dirty' : '';
    return rev + dirty;
  } catch {
    return 'unknown';
  }
}

export const registryDir = (dataDir: string) => join(dataDir, 'models');

export function newModelId(kind: ModelKind, now = new Date()): string {
  return `${kind}-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${process.pid}`;
}

export async function saveModel(tf: Tf, dataDir: string, model: LayersModel, meta: ModelMetadata): Promise<string> {
  const dir = join(registryDir(dataDir), meta.kind, meta.id);
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await model.save(tf.io.withSaveHandler(async (a) => {
      const data = a.weightData instanceof ArrayBuffer ? a.weightData : tf.io.concatenateArrayBuffers(a.weightData as ArrayBuffer[]);
      await writeFile(join(tmp, 'weights.bin'), Buffer.from(data));
      await writeFile(join(tmp, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, format: a.format, generatedBy: a.generatedBy }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    await writeFile(join(tmp, 'metadata.json'), JSON.stringify(meta, null, 2));
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

/** Lists complete models of a kind, newest first. */
export async function listModels(dataDir: string, kind: ModelKind): Promise<ModelMetadata[]> {
  const dir = join(registryDir(dataDir), kind);
  if (!existsSync(dir)) return [];
  const out: ModelMetadata[] = [];
  for (const d of await readdir(dir)) {
    if (d.endsWith('.tmp') || !existsSync(join(dir, d, 'metadata.json'))) continue;
    out.push(JSON.parse(await readFile(join(dir, d, 'metadata.json'), 'utf8')) as ModelMetadata);
  }
  return out.sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
}

/** Loads a model (`id`, or the newest of its kind). */
export async function loadModel(tf: Tf, dataDir: string, kind: ModelKind, id?: string): Promise<{ model: LayersModel; meta: ModelMetadata }> {
  const meta = id ? (await listModels(dataDir, kind)).find((m) => m.id === id) : (await listModels(dataDir, kind))[0];
  if (!meta) throw new ForecastInputError('NO_MODEL', `no ${kind} model${id ? ` '${id}'` : ''} in ${join(registryDir(dataDir), kind)} (run \`cupola forecast train\` first)`);
  const dir = join(registryDir(dataDir), kind, meta.id);
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const weights = await readFile(join(dir, 'weights.bin'));
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightSpecs,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
  return { model, meta };
}
