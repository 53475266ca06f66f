-- The rest of identity: settings (the 2FA policies for now), each customer's 2FA policy, the
-- security question, e-mail changes confirmed before they apply, and the devices and networks an
-- account signed in from (a sign-in from neither queues a "was this you?" notice).

-- Operator settings: one row per setting that differs from the server's built-in default.
CREATE TABLE settings (
	key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]*$'),
	value jsonb NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	updated_by uuid REFERENCES staff (id) ON DELETE SET NULL
);

-- inherit: the setting two_factor.default_policy decides (optional or required)
ALTER TABLE customers ADD COLUMN two_factor_policy text NOT NULL DEFAULT 'inherit'
	CHECK (two_factor_policy IN ('inherit', 'required', 'off'));

-- The answer is kept as a password hash of its normalized form (case and spaces folded).
ALTER TABLE customers ADD COLUMN security_question text CHECK (length(security_question) <= 200),
	ADD COLUMN security_answer_hash text,
	ADD CONSTRAINT customers_security_pair
		CHECK ((security_question IS NULL) = (security_answer_hash IS NULL));
ALTER TABLE staff ADD COLUMN security_question text CHECK (length(security_question) <= 200),
	ADD COLUMN security_answer_hash text,
	ADD CONSTRAINT staff_security_pair
		CHECK ((security_question IS NULL) = (security_answer_hash IS NULL));

-- A challenge either asks for a code (verify) or enrols an account that must have 2FA (enrol).
ALTER TABLE mfa_challenges ADD COLUMN purpose text NOT NULL DEFAULT 'verify'
	CHECK (purpose IN ('verify', 'enrol'));

-- A confirmation link either confirms the address of a registration or moves the account to a new one.
ALTER TABLE email_confirmations ADD COLUMN purpose text NOT NULL DEFAULT 'registration'
	CHECK (purpose IN ('registration', 'change'));

-- Where an account signed in from: its devices (a hash of the user agent) and networks (/24, /48).
CREATE TABLE known_devices (
	account_id uuid NOT NULL,
	device_hash bytea NOT NULL CHECK (length(device_hash) = 32),
	network cidr NOT NULL,
	first_seen timestamptz NOT NULL,
	last_seen timestamptz NOT NULL,
	PRIMARY KEY (account_id, device_hash, network)
);

-- "This wasn't me" links of new-device notices: HMAC only, single use, 7 days.
CREATE TABLE device_alerts (
	token_hmac bytea PRIMARY KEY CHECK (length(token_hmac) = 32),
	account_kind text NOT NULL CHECK (account_kind IN ('staff', 'customer')),
	account_id uuid NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at timestamptz
);
CREATE INDEX device_alerts_account_idx ON device_alerts (account_id);

-- Why a session ended: also "this wasn't me", and the staff actions of customer management.
ALTER TABLE sessions DROP CONSTRAINT sessions_revoked_reason_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_revoked_reason_check CHECK (revoked_reason IN
	('logout', 'logout_everywhere', 'revoked', 'refresh_reuse', 'password_changed',
	 'account_disabled', 'not_me', 'staff_revoked', 'credentials_reset', 'account_deleted'));
