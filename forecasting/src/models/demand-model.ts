/**
 * Global weekly demand model (TensorFlow.js): one dense network over every service × ATS × class series, inputs from
 * features/demand-features.ts, direct multi-horizon output of P10/P50/P90 for each of the next `horizon` weeks,
 * trained with the pinball (quantile) loss. Quantiles cannot cross: P10 = P50 − softplus(a), P90 = P50 + softplus(b).
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { trainingWindows, windowInput, seriesScale, type Series, type WindowConfig } from '../features/demand-features.ts';
import type { Tf } from './backend.ts';

export const QUANTILES = [0.1, 0.5, 0.9] as const;

export interface DemandTrainConfig {
  window: WindowConfig;
  seed: number;
  epochs: number;
  hidden: number;
  learningRate: number;
  batchSize: number;
  /**
   * Cap on examples seen in training (epochs × windows): with many series, fewer epochs over more windows, so the
   * time stays bounded. 0 = no cap.
   */
  sampleBudget?: number;
}

/** batchSize 0 = automatic: ~80 batches per epoch, 128..1024 rows (training time stays bounded with many series) */
export const DEFAULT_DEMAND_TRAIN: Omit<DemandTrainConfig, "window"> = { seed: 42, epochs: 40, hidden: 32, learningRate: 0.003, batchSize: 0, sampleBudget: 400_000 };

export interface Standardiser { mean: number[]; std: number[] }

export interface QuantileForecast { p10: number[]; p50: number[]; p90: number[] }

function standardiser(x: number[][]): Standardiser {
  const d = x[0]!.length;
  const mean = new Array(d).fill(0), std = new Array(d).fill(0);
  for (const r of x) for (let j = 0; j < d; j++) mean[j] += r[j]! / x.length;
  for (const r of x) for (let j = 0; j < d; j++) std[j] += (r[j]! - mean[j]) ** 2 / x.length;
  return { mean, std: std.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

const standardise = (x: number[][], s: Standardiser) => x.map((r) => r.map((v, j) => (v - s.mean[j]!) / s.std[j]!));

/** raw [n, 3h] → [n, h, 3] quantiles (P10, P50, P90), non-crossing. */
function toQuantiles(tf: Tf, raw: Tensor, horizon: number): Tensor {
  return tf.tidy(() => {
    const r = raw.reshape([-1, horizon, 3]);
    const [a, m, b] = tf.split(r, 3, 2) as [Tensor, Tensor, Tensor];
    return tf.concat([m.sub(tf.softplus(a)), m, m.add(tf.softplus(b))], 2);
  });
}

/** Seeded Fisher-Yates order (mulberry32), so training sees the same batches on every run. */
export function seededOrder(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const o = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [o[i], o[j]] = [o[j]!, o[i]!];
  }
  return o;
}

export interface TrainedDemandModel {
  model: LayersModel;
  standardiser: Standardiser;
  window: WindowConfig;
  trainingWindows: number;
  finalLoss: number;
  epochs: number;
}

/** Trains on every window whose targets end before `end` (exclusive). */
export async function trainDemandModel(
  tf: Tf, series: readonly Series[], end: number, cfg: DemandTrainConfig, onEpoch?: (epoch: number, loss: number) => void,
): Promise<TrainedDemandModel> {
  const { x, y } = trainingWindows(series, end, cfg.window);
  if (!x.length) throw new Error('no training windows: the history is shorter than lags + horizon');
  const st = standardiser(x);
  const order = seededOrder(x.length, cfg.seed);
  const xs = tf.tensor2d(order.map((i) => standardise([x[i]!], st)[0]!));
  // targets repeated ×3 to match the output width (tfjs checks shapes); the loss reads the first `horizon` columns
  const ys = tf.tensor2d(order.map((i) => [...y[i]!, ...y[i]!, ...y[i]!]));
  const h = cfg.window.horizon;
  const init = (k: number) => tf.initializers.glorotUniform({ seed: cfg.seed + k });
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: cfg.hidden, activation: 'relu', inputShape: [x[0]!.length], kernelInitializer: init(1) }));
  model.add(tf.layers.dense({ units: cfg.hidden, activation: 'relu', kernelInitializer: init(2) }));
  model.add(tf.layers.dense({ units: 3 * h, kernelInitializer: init(3), biasInitializer: tf.initializers.constant({ value: 0 }) }));
  const loss = (yTrue: Tensor, yPred: Tensor): Tensor =>
    tf.tidy(() => {
      const q = toQuantiles(tf, yPred, h); // [n, h, 3]
      const e = yTrue.slice([0, 0], [-1, h]).reshape([-1, h, 1]).sub(q);
      const tau = tf.tensor1d([...QUANTILES]).reshape([1, 1, 3]);
      return tf.maximum(e.mul(tau), e.mul(tau.sub(1))).mean();
    });
  model.compile({ optimizer: tf.train.adam(cfg.learningRate), loss });
  let finalLoss = NaN;
  const epochs = cfg.sampleBudget ? Math.max(5, Math.min(cfg.epochs, Math.round(cfg.sampleBudget / x.length))) : cfg.epochs;
  await model.fit(xs, ys, {
    epochs, batchSize: cfg.batchSize || Math.min(1024, Math.max(128, Math.round(x.length / 80))), shuffle: false, verbose: 0,
    callbacks: { onEpochEnd: async (epoch, logs) => { finalLoss = Number(logs?.loss); onEpoch?.(epoch + 1, finalLoss); } },
  });
  xs.dispose();
  ys.dispose();
  return { model, standardiser: st, window: cfg.window, trainingWindows: x.length, finalLoss, epochs };
}

/** P10/P50/P90 of the `horizon` weeks from `origin` for each series (reads only weeks < origin). */
export function predictDemand(tf: Tf, m: Pick<TrainedDemandModel, 'model' | 'standardiser' | 'window'>, series: readonly Series[], origin: number): QuantileForecast[] {
  const h = m.window.horizon;
  const x = series.map((s) => windowInput(s, origin, m.window));
  const out = tf.tidy(() => toQuantiles(tf, m.model.predict(tf.tensor2d(standardise(x, m.standardiser))) as Tensor, h).arraySync() as number[][][]);
  return series.map((s, i) => {
    const scale = seriesScale(s.values, origin, m.window.season);
    const q = out[i]!;
    return {
      p10: q.map((v) => Math.max(0, v[0]! * scale)),
      p50: q.map((v) => Math.max(0, v[1]! * scale)),
      p90: q.map((v) => Math.max(0, v[2]! * scale)),
    };
  });
}
