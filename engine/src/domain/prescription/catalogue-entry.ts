/**
 * What the prescription and booking rules need to know about a catalogue service (prestazione).
 * The catalogue itself lives in the store; the domain receives a lookup function. Pure types.
 */

export const SERVICE_KINDS = ['visit', 'instrumental', 'lab'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

export type Sex = 'F' | 'M';

export interface CatalogueEntry {
  id: string;
  /** specialist branch (branca), e.g. '08' cardiologia */
  branchCode: string;
  kind: ServiceKind;
  /** one of the PNGLA-monitored services (DOMAIN.md §1.3) */
  pnglaMonitored: boolean;
  /** only for this sex; null = any */
  sex: Sex | null;
  /** inclusive age limits in whole years; null = no limit */
  minAge: number | null;
  maxAge: number | null;
  active: boolean;
}

export type CatalogueLookup = (serviceId: string) => CatalogueEntry | undefined;
