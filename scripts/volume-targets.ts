/**
 * Writes models/seeds/volume_targets.csv: delivered-volume targets per scale × ATS × first-access service × quarter
 * (2025-2027), set at 85% of the synthetic region's planned first-access supply (75% in Q3, the summer quarter).
 * Synthetic planning targets for the demo and region scales; regenerate with `npx tsx scripts/volume-targets.ts`.
 */
import { writeFileSync } from 'node:fs';
import { firstAccessSupply, planRegion, type Scale } from '../simulator/src/region-plan.ts';
import { loadReference } from '../simulator/src/reference.ts';

const ref = loadReference();
const rows = ['scale,ats_id,service_id,period,period_start,period_end,target_delivered'];
for (const scale of ['demo', 'region'] as Scale[]) {
  const plan = planRegion({ scale, seed: 1, startDate: '2026-01-05', weeks: 13 }, ref);
  const supply = firstAccessSupply(plan);
  for (const [ats, byService] of [...supply].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [service, slots] of [...byService].sort(([a], [b]) => a.localeCompare(b))) {
      for (const year of [2025, 2026, 2027]) {
        for (const q of [1, 2, 3, 4]) {
          const start = `${year}-${String(3 * q - 2).padStart(2, '0')}-01`;
          const end = q === 4 ? `${year}-12-31` : new Date(Date.UTC(year, 3 * q, 0)).toISOString().slice(0, 10);
          const target = Math.round(slots * (q === 3 ? 0.75 : 0.85));
          if (target > 0) rows.push(`${scale},${ats},${service},${year}-Q${q},${start},${end},${target}`);
        }
      }
    }
  }
}
writeFileSync(new URL('../models/seeds/volume_targets.csv', import.meta.url), rows.join('\n') + '\n');
console.log(`wrote ${rows.length - 1} targets`);
