import { uuidv7 } from '../ids.ts';

/** Topic families (DESIGN.md → Events). The aggregate type decides the family. */
export const TOPICS = ['offer', 'booking', 'delivery', 'payment', 'prescription'] as const;
export type Topic = (typeof TOPICS)[number];

const FAMILY: Record<string, Topic> = {
  org_unit: 'offer',
  service: 'offer',
  agenda: 'offer',
  slot: 'offer',
  appointment: 'booking',
  patient: 'booking',
  search: 'booking',
  delivery: 'delivery',
  payment: 'payment',
  prescription: 'prescription',
};

export interface EventEnvelope<P = Record<string, unknown>> {
  event_id: string;
  type: string;
  schema_version: number;
  occurred_at: string;
  aggregate_type: string;
  aggregate_id: string;
  ats: string | null;
  provider: string | null;
  payload: P;
}

export interface NewEvent<P = Record<string, unknown>> {
  type: string;
  schemaVersion?: number;
  aggregateType: keyof typeof FAMILY | string;
  aggregateId: string;
  ats?: string | null;
  provider?: string | null;
  payload: P;
}

export function topicOf(aggregateType: string): Topic {
  const t = FAMILY[aggregateType];
  if (!t) throw new Error(`no topic family for aggregate type ${aggregateType}`);
  return t;
}

/** Builds the envelope. Pure except for the UUIDv7, whose time part comes from `now`. */
export function makeEvent<P>(e: NewEvent<P>, now: Date): EventEnvelope<P> {
  return {
    event_id: uuidv7(now.getTime()),
    type: e.type,
    schema_version: e.schemaVersion ?? 1,
    occurred_at: now.toISOString(),
    aggregate_type: e.aggregateType,
    aggregate_id: e.aggregateId,
    ats: e.ats ?? null,
    provider: e.provider ?? null,
    payload: e.payload,
  };
}
