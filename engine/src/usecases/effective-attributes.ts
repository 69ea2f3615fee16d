import { resolveAttributes, type ResolvedAttributes } from '../domain/offer/attributes.ts';
import type { Agenda, Slot } from '../http/schemas/agenda.ts';
import type { Queryable } from '../store/db.ts';
import { getAncestry, getOrgUnit } from '../store/org-store.ts';

/** Effective attributes of an agenda (or one of its slots): slot → agenda → resource → clinic → … → region → default. */
export async function effectiveAttributes(q: Queryable, agenda: Agenda, slot?: Slot): Promise<ResolvedAttributes> {
  const chain = [];
  if (slot) chain.push({ level: 'slot', id: slot.id, attrs: slot.attrs ?? {} });
  chain.push({ level: 'agenda', id: agenda.id, name: agenda.name, attrs: agenda.attrs });
  if (agenda.resourceId) {
    const r = await getOrgUnit(q, agenda.resourceId);
    if (r) chain.push({ level: 'resource', id: r.id, name: r.name, attrs: r.attrs });
  }
  for (const u of await getAncestry(q, agenda.clinicId)) chain.push({ level: u.level, id: u.id, name: u.name, attrs: u.attrs });
  return resolveAttributes(chain);
}
