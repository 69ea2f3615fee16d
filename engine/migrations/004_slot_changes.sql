-- 004: every committed change of slot rows is announced on channel `cupola_slot` (NOTIFY is delivered at commit,
-- in commit order, and never for a transaction that rolls back), so that engine processes can keep an in-memory
-- free-slot index fresh. One notification per statement, whatever writes the slots (booking writes, holds, the
-- sweeper, cancellations, moves, agenda edits, slot generation, manual SQL). Payload (JSON, under 8000 bytes):
--   x: the writing transaction (txid_current()), so an engine recognises its own writes;
--   b: [[slot id, agenda id, booked], ...] for open slots whose only change is their booked count;
--   a: [agenda id, ...] whose slots changed otherwise (inserted, deleted, closed, reopened, re-timed): forget them;
--   r: true — too much changed (or a truncate): forget everything.
create or replace function cupola_slot_changed() returns trigger language plpgsql as $$
declare
  b json;
  nb int := 0;
  ag text[];
  payload text;
begin
  if tg_op = 'TRUNCATE' then
    perform pg_notify('cupola_slot', json_build_object('x', txid_current()::text, 'r', true)::text);
    return null;
  end if;
  if tg_op = 'UPDATE' then
    select coalesce(json_agg(json_build_array(n.id::text, n.agenda_id, n.booked)) filter (where simple), '[]'::json),
           count(*) filter (where simple),
           array(select distinct x from unnest(array_agg(n.agenda_id) filter (where not simple) || array_agg(o_agenda) filter (where not simple)) x)
      into b, nb, ag
      from (select n.id, n.agenda_id, n.booked, o.agenda_id as o_agenda,
                   (o.status = 'open' and n.status = 'open' and o.agenda_id = n.agenda_id and o.start_at = n.start_at and o.end_at = n.end_at
                    and o.capacity = n.capacity and o.reserved_class is not distinct from n.reserved_class and o.attrs is not distinct from n.attrs) as simple
              from new_rows n join old_rows o on o.id = n.id
             where not (o.status = 'closed' and n.status = 'closed') and (o.* is distinct from n.*)) n;
    if nb = 0 and coalesce(array_length(ag, 1), 0) = 0 then
      return null;
    end if;
    if nb > 100 then
      ag := array(select distinct x from unnest(ag || array(select e->>1 from json_array_elements(b) e)) x);
      b := '[]'::json;
    end if;
  elsif tg_op = 'INSERT' then
    select count(*) into nb from (select 1 from new_rows limit 20001) s;
    if nb <= 20000 then
      ag := array(select distinct agenda_id from new_rows);
    end if;
    b := '[]'::json;
  else
    select count(*) into nb from (select 1 from old_rows limit 20001) s;
    if nb <= 20000 then
      ag := array(select distinct agenda_id from old_rows);
    end if;
    b := '[]'::json;
  end if;
  payload := json_build_object('x', txid_current()::text, 'b', b, 'a', coalesce(ag, '{}'))::text;
  -- NOTIFY refuses payloads of 8000 bytes or more (that would fail the writing statement): then forget everything
  if nb > 20000 and tg_op <> 'UPDATE' or coalesce(array_length(ag, 1), 0) > 100 or octet_length(payload) > 7900 then
    payload := json_build_object('x', txid_current()::text, 'r', true)::text;
  end if;
  perform pg_notify('cupola_slot', payload);
  return null;
end $$;

create trigger slot_changes_insert after insert on slot referencing new table as new_rows for each statement execute function cupola_slot_changed();
create trigger slot_changes_update after update on slot referencing old table as old_rows new table as new_rows for each statement execute function cupola_slot_changed();
create trigger slot_changes_delete after delete on slot referencing old table as old_rows for each statement execute function cupola_slot_changed();
create trigger slot_changes_truncate after truncate on slot for each statement execute function cupola_slot_changed();
