-- Password recovery: a link (256 bits, 30 min) or a 6-digit code (10 min), by e-mail or SMS.
-- Only an HMAC of the secret is kept; a request is used once, killed by a newer one or by five
-- wrong entries.

CREATE TABLE recovery_requests (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	account_kind text NOT NULL CHECK (account_kind IN ('staff', 'customer')),
	account_id uuid NOT NULL,
	channel text NOT NULL CHECK (channel IN ('email', 'sms')),
	method text NOT NULL CHECK (method IN ('link', 'code')),
	secret_hmac bytea NOT NULL CHECK (length(secret_hmac) = 32),
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at timestamptz,
	killed_at timestamptz,
	failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0)
);

CREATE INDEX recovery_requests_account_idx ON recovery_requests (account_id, created_at DESC);
CREATE UNIQUE INDEX recovery_requests_link_idx ON recovery_requests (secret_hmac) WHERE method = 'link';
