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

-- Still append-only: the one change allowed is the sealing of an unsealed entry, by audit_seal,
-- which touches nothing but the three chain columns.
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
	   AND current_setting('cabinet.audit_sealing', true) = 'on'
	   AND (to_jsonb(OLD) - '{chain_seq,prev_hash,row_hash}'::text[])
	       = (to_jsonb(NEW) - '{chain_seq,prev_hash,row_hash}'::text[]) THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Seals at most max_entries committed entries; answers how many, or -1 when another sealer holds
-- the lock (it will seal them). Run it in its own short transaction.
CREATE FUNCTION audit_seal(max_entries integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	r audit_log;
	prev bytea;
	seq bigint;
	sealed integer := 0;
BEGIN
	IF NOT pg_try_advisory_xact_lock(7367283650912) THEN
		RETURN -1;
	END IF;
	SELECT a.chain_seq, a.row_hash INTO seq, prev FROM audit_log a
		WHERE a.chain_seq IS NOT NULL ORDER BY a.chain_seq DESC LIMIT 1;
	seq := coalesce(seq, 0);
	prev := coalesce(prev, audit_chain_origin());
	PERFORM set_config('cabinet.audit_sealing', 'on', true);
	FOR r IN SELECT * FROM audit_log WHERE chain_seq IS NULL ORDER BY id LIMIT max_entries LOOP
		seq := seq + 1;
		r.chain_seq := seq;
		UPDATE audit_log SET chain_seq = seq, prev_hash = prev, row_hash = audit_entry_hash(prev, r)
			WHERE id = r.id RETURNING row_hash INTO prev;
		sealed := sealed + 1;
	END LOOP;
	PERFORM set_config('cabinet.audit_sealing', 'off', true);
	RETURN sealed;
END
$$;
