-- Two-factor authentication: TOTP credentials (secret sealed with AES-256-GCM under a key derived
-- from the server secret), one-time recovery codes (HMACs only), and the short-lived challenges of a
-- sign-in waiting for its second factor.

CREATE TABLE totp_credentials (
	account_id uuid PRIMARY KEY,
	account_kind text NOT NULL CHECK (account_kind IN ('staff', 'customer')),
	secret_sealed text NOT NULL,
	confirmed_at timestamptz,          -- NULL while enrolment waits for its first code
	last_step bigint NOT NULL DEFAULT 0, -- a code is never accepted twice: steps only grow
	created_at timestamptz NOT NULL
);

CREATE TABLE recovery_codes (
	account_id uuid NOT NULL,
	code_hmac bytea NOT NULL CHECK (length(code_hmac) = 32),
	used_at timestamptz,
	PRIMARY KEY (account_id, code_hmac)
);

CREATE TABLE mfa_challenges (
	token_hmac bytea PRIMARY KEY CHECK (length(token_hmac) = 32),
	account_kind text NOT NULL CHECK (account_kind IN ('staff', 'customer')),
	account_id uuid NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
	used_at timestamptz
);
CREATE INDEX mfa_challenges_expires_idx ON mfa_challenges (expires_at);
