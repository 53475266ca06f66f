-- The audit log becomes a hash chain: each entry stores the hash of the one before it and its own
-- hash over its content, so a row changed or removed behind the server's back (with the
-- append-only triggers disabled) breaks the chain at that row; `cabinetctl audit verify` finds it.
-- Appends are chained in the order they take the chain lock (held to the end of their transaction),
-- which chain_seq records; ids may be allocated in another order.

ALTER TABLE audit_log
	ADD COLUMN chain_seq bigint,
	ADD COLUMN prev_hash bytea,
	ADD COLUMN row_hash bytea;

-- The hash of an entry: its predecessor's hash and every column but the hashes, in a fixed text form.
CREATE FUNCTION audit_entry_hash(prev bytea, a audit_log) RETURNS bytea
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT sha256(prev || convert_to(concat_ws(chr(31), a.chain_seq, a.id,
		extract(epoch FROM a.occurred_at)::numeric, a.actor_kind, a.actor_id, a.impersonator_id,
		a.action, a.target_kind, a.target_id, a.customer_id, host(a.ip), a.request_id,
		a.details::text), 'UTF8')) $$;

-- The link every chain starts from.
CREATE FUNCTION audit_chain_origin() RETURNS bytea LANGUAGE sql IMMUTABLE
	AS $$ SELECT sha256(convert_to('cabinet audit chain', 'UTF8')) $$;

-- Backfill what exists, in id order.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
DO $$
DECLARE
	r audit_log;
	prev bytea := audit_chain_origin();
	seq bigint := 0;
BEGIN
	FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
		seq := seq + 1;
		r.chain_seq := seq;
		UPDATE audit_log SET chain_seq = seq, prev_hash = prev,
			row_hash = audit_entry_hash(prev, r) WHERE id = r.id
			RETURNING row_hash INTO prev;
	END LOOP;
END
$$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;

ALTER TABLE audit_log ALTER COLUMN chain_seq SET NOT NULL,
	ALTER COLUMN prev_hash SET NOT NULL,
	ALTER COLUMN row_hash SET NOT NULL,
	ADD CONSTRAINT audit_log_chain_seq_key UNIQUE (chain_seq);

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	last record;
BEGIN
	-- one append at a time, to the end of the appending transaction
	PERFORM pg_advisory_xact_lock(7367283650912);
	SELECT chain_seq, row_hash INTO last FROM audit_log ORDER BY chain_seq DESC LIMIT 1;
	NEW.chain_seq := coalesce(last.chain_seq, 0) + 1;
	NEW.prev_hash := coalesce(last.row_hash, audit_chain_origin());
	NEW.row_hash := audit_entry_hash(NEW.prev_hash, NEW);
	RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
