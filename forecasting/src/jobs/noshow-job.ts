/**
 * No-show jobs: temporal holdout (the latest `holdoutShare` of appointment dates), the training part split again in
 * time for Platt calibration; model and the lead-time-band baseline scored on the same holdout.
 */
import type { Tf } from '../models/backend.ts';
import { buildNoShowDataset, type AppointmentRow, type NoShowDataset } from '../features/noshow-features.ts';
import { DEFAULT_NOSHOW_TRAIN, predictNoShow, trainNoShowModel, type NoShowTrainConfig, type TrainedNoShowModel } from '../models/noshow-model.ts';
import { fitLeadTimeRate } from '../models/baselines.ts';
import { brier, calibrationBins, prAuc, rocAuc, type CalibrationBin } from '../models/metrics.ts';
import { ForecastInputError } from '../errors.ts';
import type { Progress } from './demand-job.ts';

export interface NoShowJobConfig { train: NoShowTrainConfig; holdoutShare: number; calibrationShare: number; minRows: number; minPositives: number }
export const DEFAULT_NOSHOW_JOB: NoShowJobConfig = { train: DEFAULT_NOSHOW_TRAIN, holdoutShare: 0.2, calibrationShare: 0.2, minRows: 200, minPositives: 20 };

export interface ClassifierScore { method: string; roc_auc: number; pr_auc: number; brier: number; calibration: CalibrationBin[] }

export interface NoShowBacktest {
  dataset: NoShowDataset;
  split: { trainTo: string; calibrationFrom: string; holdoutFrom: string; train: number; calibration: number; holdout: number };
  scores: ClassifierScore[];
  model: TrainedNoShowModel;
  trainSeconds: number;
  prevalence: number;
}

/** Index where the latest `share` of dates starts (never splitting one date). */
export function temporalCut(dates: readonly string[], share: number): number {
  let i = Math.floor(dates.length * (1 - share));
  while (i > 0 && i < dates.length && dates[i] === dates[i - 1]) i++;
  return i;
}

export function noShowDataset(rows: readonly AppointmentRow[], columns: readonly string[], source: string, cfg: NoShowJobConfig, extraColumns?: readonly string[]): NoShowDataset {
  const ds = buildNoShowDataset(rows, columns, source, extraColumns);
  const pos = ds.y.reduce((a, b) => a + b, 0);
  if (ds.y.length < cfg.minRows || pos < cfg.minPositives || ds.y.length - pos < cfg.minPositives) {
    throw new ForecastInputError('TOO_LITTLE_HISTORY', `${source}: ${ds.y.length} appointments with ${pos} no-shows; needs at least ${cfg.minRows} appointments and ${cfg.minPositives} no-shows and shows each`);
  }
  return ds;
}

function score(method: string, y: number[], p: number[]): ClassifierScore {
  return { method, roc_auc: rocAuc(y, p), pr_auc: prAuc(y, p), brier: brier(y, p), calibration: calibrationBins(y, p, 10) };
}

export async function backtestNoShow(tf: Tf, ds: NoShowDataset, cfg: NoShowJobConfig, progress?: Progress): Promise<NoShowBacktest> {
  const hold = temporalCut(ds.dates, cfg.holdoutShare);
  const cal = temporalCut(ds.dates.slice(0, hold), cfg.calibrationShare);
  if (hold >= ds.dates.length || cal <= 0 || cal >= hold) throw new ForecastInputError('TOO_LITTLE_HISTORY', `appointments span too few dates for a temporal holdout (${ds.dates[0]}..${ds.dates[ds.dates.length - 1]})`);
  const t0 = performance.now();
  const model = await trainNoShowModel(tf, ds.x.slice(0, cal), ds.y.slice(0, cal), ds.x.slice(cal, hold), ds.y.slice(cal, hold), cfg.train, (e) => progress?.('no-show fit', e, cfg.train.epochs));
  const trainSeconds = (performance.now() - t0) / 1000;
  const yH = ds.y.slice(hold);
  const pModel = predictNoShow(tf, model, ds.x.slice(hold));
  const base = fitLeadTimeRate(ds.leadDays.slice(0, hold), ds.y.slice(0, hold));
  const pBase = ds.leadDays.slice(hold).map(base);
  const prevalence = ds.y.slice(0, hold).reduce((a, b) => a + b, 0) / hold;
  return {
    dataset: ds,
    split: { trainTo: ds.dates[cal - 1]!, calibrationFrom: ds.dates[cal]!, holdoutFrom: ds.dates[hold]!, train: cal, calibration: hold - cal, holdout: ds.y.length - hold },
    scores: [score('model (tfjs dense + Platt)', yH, pModel), score('lead-time band rate', yH, pBase), score('overall rate', yH, yH.map(() => prevalence))],
    model, trainSeconds, prevalence,
  };
}

/** Final fit on all appointments (the latest share calibrates). */
export async function fitNoShowFinal(tf: Tf, ds: NoShowDataset, cfg: NoShowJobConfig, progress?: Progress): Promise<TrainedNoShowModel> {
  const cal = temporalCut(ds.dates, cfg.calibrationShare);
  return trainNoShowModel(tf, ds.x.slice(0, cal), ds.y.slice(0, cal), ds.x.slice(cal), ds.y.slice(cal), cfg.train, (e) => progress?.('no-show final', e, cfg.train.epochs));
}
