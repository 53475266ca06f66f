-- "Log in as customer": a portal session opened by a staff member, who stays named on it (the
-- tokens' act claim, every audit entry's impersonator_id). It lasts at most 30 minutes and ends
-- with the staff member's own account.

ALTER TABLE sessions
	ADD COLUMN impersonator_id uuid REFERENCES staff (id) ON DELETE CASCADE,
	ADD COLUMN impersonation_reason text CHECK (length(impersonation_reason) <= 1000),
	ADD CONSTRAINT sessions_impersonation_portal CHECK (impersonator_id IS NULL OR realm = 'portal');

-- The single-use code that hands an impersonation session to the portal tab (HMAC only, 2 minutes).
CREATE TABLE impersonation_handoffs (
	code_hmac bytea PRIMARY KEY CHECK (length(code_hmac) = 32),
	session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	expires_at timestamptz NOT NULL,
	used_at timestamptz
);
