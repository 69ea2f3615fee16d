/**
 * No-show probability (TensorFlow.js): a small dense network (one hidden layer) on the features of
 * features/noshow-features.ts, trained with binary cross-entropy, then calibrated with Platt scaling fit on a later
 * calibration slice of the training period (never on the holdout).
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import type { Tf } from './backend.ts';
import { seededOrder, type Standardiser } from './demand-model.ts';

/** batchSize 0 = automatic: ~200 batches per epoch, between 128 and 1024 rows (large files train in bounded time) */
export interface NoShowTrainConfig { seed: number; epochs: number; hidden: number; learningRate: number; batchSize: number; l2: number }
export const DEFAULT_NOSHOW_TRAIN: NoShowTrainConfig = { seed: 42, epochs: 15, hidden: 8, learningRate: 0.003, batchSize: 0, l2: 3e-3 };

export interface Platt { a: number; b: number }

export interface TrainedNoShowModel { model: LayersModel; standardiser: Standardiser; platt: Platt }

function fitStandardiser(x: number[][]): Standardiser {
  const d = x[0]!.length;
  const mean = new Array(d).fill(0), std = new Array(d).fill(0);
  for (const r of x) for (let j = 0; j < d; j++) mean[j] += r[j]! / x.length;
  for (const r of x) for (let j = 0; j < d; j++) std[j] += (r[j]! - mean[j]) ** 2 / x.length;
  return { mean, std: std.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}
const apply = (x: number[][], s: Standardiser) => x.map((r) => r.map((v, j) => (v - s.mean[j]!) / s.std[j]!));

const logit = (p: number) => Math.log(Math.min(1 - 1e-6, Math.max(1e-6, p)) / (1 - Math.min(1 - 1e-6, Math.max(1e-6, p))));

/** Platt scaling: p' = σ(a·logit(p) + b), fit by Newton's method on the calibration slice (Platt's smoothed targets). */
export function fitPlatt(p: readonly number[], y: readonly number[]): Platt {
  const nPos = y.reduce((s, v) => s + v, 0), nNeg = y.length - nPos;
  const tPos = (nPos + 1) / (nPos + 2), tNeg = 1 / (nNeg + 2);
  const z = p.map(logit), t = y.map((v) => (v ? tPos : tNeg));
  let a = 1, b = 0;
  for (let it = 0; it < 50; it++) {
    let ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-9;
    for (let i = 0; i < z.length; i++) {
      const q = 1 / (1 + Math.exp(-(a * z[i]! + b)));
      const d = q - t[i]!, w = q * (1 - q);
      ga += d * z[i]!; gb += d;
      haa += w * z[i]! ** 2; hab += w * z[i]!; hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-12) break;
    const da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
    a -= da; b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a, b };
}

export const applyPlatt = (p: number, c: Platt) => 1 / (1 + Math.exp(-(c.a * logit(p) + c.b)));

/** Trains on (x, y) and calibrates on (xCal, yCal). */
export async function trainNoShowModel(
  tf: Tf, x: number[][], y: number[], xCal: number[][], yCal: number[], cfg: NoShowTrainConfig, onEpoch?: (epoch: number, loss: number) => void,
): Promise<TrainedNoShowModel> {
  const st = fitStandardiser(x);
  const order = seededOrder(x.length, cfg.seed);
  const xs = tf.tensor2d(apply(order.map((i) => x[i]!), st));
  const ys = tf.tensor2d(order.map((i) => [y[i]!]));
  const model = tf.sequential();
  const reg = tf.regularizers.l2({ l2: cfg.l2 });
  model.add(tf.layers.dense({ units: cfg.hidden, activation: 'relu', inputShape: [x[0]!.length], kernelInitializer: tf.initializers.glorotUniform({ seed: cfg.seed + 11 }), kernelRegularizer: reg }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: cfg.seed + 12 }), kernelRegularizer: reg }));
  model.compile({ optimizer: tf.train.adam(cfg.learningRate), loss: 'binaryCrossentropy' });
  await model.fit(xs, ys, {
    epochs: cfg.epochs, batchSize: cfg.batchSize || Math.min(1024, Math.max(128, Math.round(x.length / 200))), shuffle: false, verbose: 0,
    callbacks: { onEpochEnd: async (e, logs) => onEpoch?.(e + 1, Number(logs?.loss)) },
  });
  xs.dispose();
  ys.dispose();
  const raw = predictRaw(tf, model, st, xCal);
  return { model, standardiser: st, platt: fitPlatt(raw, yCal) };
}

function predictRaw(tf: Tf, model: LayersModel, st: Standardiser, x: number[][]): number[] {
  if (!x.length) return [];
  return tf.tidy(() => Array.from((model.predict(tf.tensor2d(apply(x, st))) as Tensor).dataSync()));
}

/** Calibrated no-show probabilities. */
export function predictNoShow(tf: Tf, m: TrainedNoShowModel, x: number[][]): number[] {
  return predictRaw(tf, m.model, m.standardiser, x).map((p) => applyPlatt(p, m.platt));
}
