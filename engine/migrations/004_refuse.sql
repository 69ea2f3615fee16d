-- Aborts the statement it is called from with a refusal code (the message) — lets one statement that takes a place
-- and writes a booking undo all of its parts when one condition fails, with no transaction around it.
create function cupola_refuse(code text) returns boolean language plpgsql as $$
begin
  raise exception using message = code, errcode = 'P0C01';
end
$$;
