import { resolveAttributes, type EffectiveAttributes } from '../domain/offer/attributes.ts';
import type { Queryable } from './db.ts';
import { getService } from './catalogue-store.ts';
import { candidateAgendas, type CandidateAgenda } from './booking-store.ts';
import type { Service } from '../http/schemas/catalogue.ts';

interface OrgNode { id: string; parent_id: string | null; level: string; name: string; attrs: Record<string, unknown>; ats_id: string | null; provider_id: string | null; active: boolean; municipality: string | null }
interface AgendaNode { id: string; attrs: Record<string, unknown>; clinic_id: string; resource_id: string | null }

/** A candidate agenda of a service with what a search needs of it, resolved once per cache period. */
export interface OfferedAgenda {
  agenda: CandidateAgenda;
  eff: EffectiveAttributes;
  siteId: string;
}

/**
 * A short-lived in-memory copy of the organisation tree, so availability searches resolve inherited attributes
 * without walking the tree in SQL for every candidate agenda. Writes through this engine invalidate it at once;
 * changes made by other engine instances are seen within `ttlMs`.
 * With `refreshFrom(db)`, the tree and the per-service offer are refreshed in the background once `ttlMs` has
 * passed, and the previous copy keeps serving meanwhile (up to `2 × ttlMs`; older than that, a request waits for the
 * reload): a search never waits for the whole tree to be read again. A reload that reads what the cache already holds
 * (compared field by field) keeps the objects held — the tree, the resolved attributes, a service's rows — so that
 * what was derived from them (e.g. the searches' per-offer views) stays valid; anything changed is rebuilt.
 */
export class OfferCache {
  private nodes: Map<string, OrgNode> | null = null;
  private loadedAt = 0;
  private loading: Promise<Map<string, OrgNode>> | null = null;
  /** bumped by invalidate(): a load that started before it must not store what it read */
  private generation = 0;
  private loadingGeneration = -1;
  private refreshDb: Queryable | null = null;
  private refreshing = new Set<string>();

  constructor(private readonly ttlMs = 5_000) {}

  /** Lets the cache refresh itself in the background from `db` (never a transaction: it outlives the request). */
  refreshFrom(db: Queryable): this {
    this.refreshDb = db;
    return this;
  }

  private agendas = new Map<string, { at: number; a: AgendaNode }>();
  private services = new Map<string, { at: number; s: Service }>();
  private resolved = new Map<string, { at: number; eff: EffectiveAttributes; tree: Map<string, OrgNode>; a: AgendaNode }>();
  private offered = new Map<string, { at: number; rows: OfferedAgenda[]; tree: Map<string, OrgNode> }>();

  invalidate() {
    this.generation++;
    this.nodes = null;
    this.offered.clear();
    this.agendas.clear();
    this.services.clear();
    this.resolved.clear();
  }

  /**
   * The candidate agendas of a service for an access type with their effective attributes and site — what every
   * search of that service starts from, computed once per cache period instead of once per search.
   */
  async offeredAgendas(q: Queryable, serviceId: string, accessType: string): Promise<OfferedAgenda[]> {
    const key = `${serviceId}|${accessType}`;
    const hit = this.offered.get(key);
    const age = hit ? Date.now() - hit.at : Infinity;
    if (hit && this.nodes && age < this.ttlMs) return hit.rows;
    if (hit && this.nodes && this.refreshDb && age < 2 * this.ttlMs) {
      if (!this.refreshing.has(key)) {
        this.refreshing.add(key);
        void this.loadOffered(this.refreshDb, key, serviceId, accessType).catch(() => undefined).finally(() => this.refreshing.delete(key));
      }
      return hit.rows;
    }
    return this.loadOffered(q, key, serviceId, accessType);
  }

  private async loadOffered(q: Queryable, key: string, serviceId: string, accessType: string): Promise<OfferedAgenda[]> {
    const gen = this.generation;
    const agendas = await candidateAgendas(q, { serviceId, accessType });
    const tree = await this.tree(q);
    // a reload that found what the cache holds (the usual case) keeps it: the same rows, attributes and everything
    // searches built on them — rebuilt only when something changed (the rows are resolved exactly from `tree`)
    const prev = this.offered.get(key);
    const same = prev && prev.tree === tree && prev.rows.length === agendas.length && prev.rows.every((r, i) => sameAgenda(r.agenda, agendas[i]!));
    const rows = same ? prev.rows : agendas.map((agenda) => ({ agenda, eff: this.resolve(tree, agenda, null, true), siteId: siteOfClinic(tree, agenda.clinic_id) }));
    if (gen === this.generation) this.offered.set(key, { at: Date.now(), rows, tree });
    return rows;
  }

  /** An agenda's inheritable attributes and place in the tree (cached like the tree). */
  async agenda(q: Queryable, id: string): Promise<AgendaNode | undefined> {
    const hit = this.agendas.get(id);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.a;
    const r = await q.query<AgendaNode>(`select id, attrs, clinic_id, resource_id from agenda where id = $1`, [id]);
    if (r[0]) this.agendas.set(id, { at: Date.now(), a: r[0] });
    return r[0];
  }

  /** A catalogue service (cached like the tree; catalogue writes are rare). */
  async service(q: Queryable, id: string): Promise<Service | null> {
    const hit = this.services.get(id);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.s;
    const s = await getService(q, id);
    if (s) this.services.set(id, { at: Date.now(), s });
    return s;
  }

  async tree(q: Queryable, now = Date.now()): Promise<Map<string, OrgNode>> {
    const age = now - this.loadedAt;
    if (this.nodes && age < this.ttlMs) return this.nodes;
    if (this.nodes && this.refreshDb && age < 2 * this.ttlMs) {
      void this.loadTree(this.refreshDb).catch(() => undefined);
      return this.nodes;
    }
    return this.loadTree(q);
  }

  private loadTree(q: Queryable): Promise<Map<string, OrgNode>> {
    const gen = this.generation;
    // a load started before the last invalidation may have read the tree before the write: start another
    if (!this.loading || this.loadingGeneration !== gen) {
      this.loadingGeneration = gen;
      this.loading = q
        .query<OrgNode>(`select id, parent_id, level, name, attrs, ats_id, provider_id, active, municipality from org_unit`)
        .then((rows) => {
          // unchanged: keep the copy held (what was resolved from it stays valid)
          const held = this.nodes;
          const nodes = held && held.size === rows.length && rows.every((r) => sameNode(held.get(r.id), r)) ? held : new Map(rows.map((r) => [r.id, r]));
          if (gen === this.generation) {
            this.nodes = nodes;
            this.loadedAt = Date.now();
          }
          return nodes;
        })
        .finally(() => {
          if (this.loadingGeneration === gen) this.loading = null;
        });
    }
    return this.loading;
  }

  /** Effective attributes of an agenda (and optionally a slot) from the cached tree. */
  async effective(
    q: Queryable,
    a: { id: string; attrs: Record<string, unknown>; clinic_id: string; resource_id?: string | null },
    slotAttrs?: Record<string, unknown> | null,
  ): Promise<EffectiveAttributes> {
    const memo = slotAttrs ? undefined : this.resolved.get(a.id);
    if (memo && Date.now() - memo.at < this.ttlMs && this.nodes) return memo.eff;
    return this.resolve(await this.tree(q), a, slotAttrs ?? null);
  }

  /** `exact`: resolved from this very tree and agenda (a memo within the period is not enough). */
  private resolve(tree: Map<string, OrgNode>, a: { id: string; attrs: Record<string, unknown>; clinic_id: string; resource_id?: string | null }, slotAttrs: Record<string, unknown> | null,
    exact = false) {
    if (!slotAttrs) {
      const memo = this.resolved.get(a.id);
      if (memo && !exact && Date.now() - memo.at < this.ttlMs) return memo.eff;
      // resolved from the same tree and agenda: still right, whatever its age
      if (memo && memo.tree === tree && sameResolved(memo.a, a)) {
        memo.at = Date.now();
        return memo.eff;
      }
    }
    const chain = [];
    if (slotAttrs) chain.push({ level: 'slot', id: 'slot', attrs: slotAttrs });
    chain.push({ level: 'agenda', id: a.id, attrs: a.attrs });
    if (a.resource_id) {
      const r = tree.get(a.resource_id);
      if (r) chain.push({ level: 'resource', id: r.id, attrs: r.attrs });
    }
    for (let n = tree.get(a.clinic_id); n; n = n.parent_id ? tree.get(n.parent_id) : undefined) chain.push({ level: n.level, id: n.id, attrs: n.attrs });
    const eff = resolveAttributes(chain).effective;
    if (!slotAttrs) this.resolved.set(a.id, { at: Date.now(), eff, tree, a: { id: a.id, attrs: a.attrs, clinic_id: a.clinic_id, resource_id: a.resource_id ?? null } });
    return eff;
  }

  async node(q: Queryable, id: string) {
    return (await this.tree(q)).get(id);
  }

  /** The site a clinic belongs to (clinic → unit → site), '' when the tree has no such clinic. */
  async siteOf(q: Queryable, clinicId: string): Promise<string> {
    return siteOfClinic(await this.tree(q), clinicId);
  }
}

function siteOfClinic(tree: Map<string, OrgNode>, clinicId: string): string {
  const clinic = tree.get(clinicId);
  const unit = clinic?.parent_id ? tree.get(clinic.parent_id) : undefined;
  return unit?.parent_id ?? '';
}

/** Equal JSON values (what jsonb columns hold). */
function sameJson(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null || Array.isArray(x) !== Array.isArray(y)) return false;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (const k of kx) if (!Object.prototype.hasOwnProperty.call(y, k) || !sameJson((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k])) return false;
  return true;
}

/** The same organisation unit, field by field. */
function sameNode(a: OrgNode | undefined, b: OrgNode): boolean {
  return !!a && a.id === b.id && a.parent_id === b.parent_id && a.level === b.level && a.name === b.name && a.ats_id === b.ats_id
    && a.provider_id === b.provider_id && a.active === b.active && a.municipality === b.municipality && sameJson(a.attrs, b.attrs);
}

/** The same candidate agenda, field by field. */
function sameAgenda(a: CandidateAgenda, b: CandidateAgenda): boolean {
  return a.id === b.id && a.clinic_id === b.clinic_id && a.resource_id === b.resource_id && a.ats_id === b.ats_id && a.provider_id === b.provider_id
    && a.access_type === b.access_type && sameJson(a.attrs, b.attrs);
}

/** The same agenda in what its attributes are resolved from. */
function sameResolved(a: AgendaNode, b: { id: string; attrs: Record<string, unknown>; clinic_id: string; resource_id?: string | null }): boolean {
  return a.id === b.id && a.clinic_id === b.clinic_id && a.resource_id === (b.resource_id ?? null) && sameJson(a.attrs, b.attrs);
}
