-- Foundation: staff accounts and the append-only audit log.
-- Landed migrations are history: change the schema with a new file.

CREATE TABLE staff (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
	display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
	password_hash text NOT NULL,
	role text NOT NULL CHECK (role IN ('owner', 'admin', 'support', 'read_only')),
	status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
	must_change_password boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	password_changed_at timestamptz NOT NULL DEFAULT now(),
	last_login_at timestamptz,
	last_login_ip inet
);

-- e-mail addresses are unique regardless of case
CREATE UNIQUE INDEX staff_email_key ON staff (lower(email));

CREATE TABLE audit_log (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	occurred_at timestamptz NOT NULL DEFAULT now(),
	actor_kind text NOT NULL
		CHECK (actor_kind IN ('system', 'staff', 'customer', 'individual', 'api_token', 'license')),
	actor_id uuid,
	impersonator_id uuid,          -- the staff member acting as actor_id, when impersonating
	action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.-]*$'),
	target_kind text,
	target_id uuid,
	customer_id uuid,              -- whose history this entry belongs to, when any
	ip inet,
	request_id text,
	details jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object')
);

CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at DESC, id DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_kind, target_id, occurred_at DESC);
CREATE INDEX audit_log_customer_idx ON audit_log (customer_id, occurred_at DESC)
	WHERE customer_id IS NOT NULL;

-- The audit log is append-only: no row may change or disappear, whoever asks.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only
	BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate
	BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
