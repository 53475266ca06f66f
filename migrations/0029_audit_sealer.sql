-- The audit chain without a lock on the request path. Until now every audited transaction took one
-- advisory lock in a BEFORE INSERT trigger and held it to its commit, so audited writes across the
-- whole cluster (failed sign-ins included) ran one at a time. Now entries are inserted unlinked and
-- a sealer links them shortly after they commit: audit_seal() gives each committed unsealed entry,
-- in id order, the next chain position, its predecessor's hash and its own. One sealer runs at a
-- time (whichever instance takes the lock); `cabinetctl audit verify` checks every sealed link and
-- reports the unsealed tail.

DROP TRIGGER audit_log_chain ON audit_log;
DROP FUNCTION audit_log_chain();

ALTER TABLE audit_log
	ALTER COLUMN chain_seq DROP NOT NULL,
	ALTER COLUMN prev_hash DROP NOT NULL,
	ALTER COLUMN row_hash DROP NOT NULL,
	-- an entry is sealed whole or not at all
	ADD CONSTRAINT audit_log_sealed_whole CHECK ((chain_seq IS NULL) = (row_hash IS NULL)
		AND (chain_seq IS NULL) = (prev_hash IS NULL));

CREATE INDEX audit_log_unsealed_idx ON audit_log (id) WHERE chain_seq IS NULL;

-- Still append-only: a sealed entry can never change or go, and an unsealed one only by audit_seal
-- linking it (the trigger is skipped then, so sealing a thousand entries costs no check each).
DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW WHEN (OLD.chain_seq IS NOT NULL
		OR current_setting('cabinet.audit_sealing', true) IS DISTINCT FROM 'on')
	EXECUTE FUNCTION audit_log_refuse_change();

-- Seals at most max_entries committed entries; answers how many, or -1 when another sealer holds
-- the lock (it will seal them). Run it in its own short transaction. The hashes are those of
-- audit_entry_hash (which verify recomputes): sha256(prev || text of the entry), the text being the
-- chain position then every other column, separated by chr(31); the part after the position is
-- built for the whole batch in one query, and the entries are updated in one statement.
CREATE FUNCTION audit_seal(max_entries integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	r record;
	prev bytea;
	seq bigint;
	ids bigint[] := '{}';
	seqs bigint[] := '{}';
	prevs bytea[] := '{}';
	hashes bytea[] := '{}';
BEGIN
	IF NOT pg_try_advisory_xact_lock(7367283650912) THEN
		RETURN -1;
	END IF;
	SELECT a.chain_seq, a.row_hash INTO seq, prev FROM audit_log a
		WHERE a.chain_seq IS NOT NULL ORDER BY a.chain_seq DESC LIMIT 1;
	seq := coalesce(seq, 0);
	prev := coalesce(prev, audit_chain_origin());
	FOR r IN SELECT a.id, concat_ws(chr(31), a.id, extract(epoch FROM a.occurred_at)::numeric,
			a.actor_kind, a.actor_id, a.impersonator_id, a.action, a.target_kind, a.target_id,
			a.customer_id, host(a.ip), a.request_id, a.details::text) AS rest
		FROM audit_log a WHERE a.chain_seq IS NULL ORDER BY a.id LIMIT max_entries LOOP
		seq := seq + 1;
		ids := ids || r.id;
		seqs := seqs || seq;
		prevs := prevs || prev;
		prev := sha256(prev || convert_to(seq::text || chr(31) || r.rest, 'UTF8'));
		hashes := hashes || prev;
	END LOOP;
	IF cardinality(ids) = 0 THEN
		RETURN 0;
	END IF;
	PERFORM set_config('cabinet.audit_sealing', 'on', true);
	UPDATE audit_log a SET chain_seq = u.seq, prev_hash = u.prev, row_hash = u.hash
		FROM unnest(ids, seqs, prevs, hashes) AS u(id, seq, prev, hash)
		WHERE a.id = u.id AND a.chain_seq IS NULL;
	PERFORM set_config('cabinet.audit_sealing', 'off', true);
	RETURN cardinality(ids);
END
$$;
