import { err, ok, type Result } from '../shared/result.ts';

export interface CodeVersion {
  system: string;
  code: string;
  validFrom: string;
  validTo?: string | null | undefined;
}

/** Versions of one code system must not overlap in time and each must end after it starts. */
export function validateCodeVersions(codes: readonly CodeVersion[], basePath = '/codes'): Result<CodeVersion[]> {
  for (const [i, c] of codes.entries())
    if (c.validTo && c.validTo < c.validFrom) return err('CODE_VERSION_INVALID', 'validTo is before validFrom', `${basePath}/${i}/validTo`);
  for (let i = 0; i < codes.length; i++)
    for (let j = 0; j < i; j++) {
      const a = codes[i]!;
      const b = codes[j]!;
      if (a.system !== b.system) continue;
      const overlap = a.validFrom <= (b.validTo ?? '9999-12-31') && b.validFrom <= (a.validTo ?? '9999-12-31');
      if (overlap)
        return err('CODE_VERSION_OVERLAP', `${a.system} versions ${j} and ${i} overlap in time`, `${basePath}/${i}/validFrom`, { with: j });
    }
  return ok([...codes]);
}

/** The code of a system valid on a date, if any. */
export function codeAt(codes: readonly CodeVersion[], system: string, date: string): CodeVersion | undefined {
  return codes.find((c) => c.system === system && c.validFrom <= date && (!c.validTo || c.validTo >= date));
}
