-- 002: change stream. The relay reads pending outbox rows in (txid, id) order below the snapshot xmin.
create index outbox_pending_txid_idx on outbox (txid, id) where published_at is null;
