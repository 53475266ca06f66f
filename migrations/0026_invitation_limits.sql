-- Counters of fixed windows for limits on what accounts send (invitations per customer and hour):
-- taken in one statement that checks the limit on the locked row.
CREATE TABLE rate_counters (
	key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
	window_start timestamptz NOT NULL,
	used integer NOT NULL CHECK (used >= 0),
	PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counters_window_idx ON rate_counters (window_start);

-- An invited person holds no login until it accepts: inviting an address another account holds
-- then looks like any invitation (its holder is told instead), and acceptance is where a taken
-- address is refused.
CREATE OR REPLACE FUNCTION portal_logins_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		DELETE FROM portal_logins WHERE owner_id = OLD.id;
	END IF;
	IF TG_OP <> 'DELETE' AND NEW.status NOT IN ('deleted', 'invited') THEN
		INSERT INTO portal_logins (owner_id, email, phone) VALUES (NEW.id, lower(NEW.email), NEW.phone);
	END IF;
	RETURN NULL;
END $$;
DELETE FROM portal_logins l USING individuals i WHERE i.id = l.owner_id AND i.status = 'invited';
