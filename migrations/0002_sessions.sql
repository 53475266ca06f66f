-- Sign-in sessions and their rotating refresh tokens (staff realm now; the portal realm joins with
-- the customers table).

CREATE TABLE sessions (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	realm text NOT NULL CHECK (realm IN ('staff', 'portal')),
	staff_id uuid REFERENCES staff (id) ON DELETE CASCADE,
	created_at timestamptz NOT NULL,
	last_used_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,        -- absolute lifetime
	idle_timeout interval NOT NULL,         -- refresh must happen within this of last use
	revoked_at timestamptz,
	revoked_reason text CHECK (revoked_reason IN
		('logout', 'logout_everywhere', 'revoked', 'refresh_reuse', 'password_changed',
		 'account_disabled')),
	ip inet,
	user_agent text CHECK (length(user_agent) <= 512),
	CHECK (realm <> 'staff' OR staff_id IS NOT NULL),
	CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);

CREATE INDEX sessions_staff_idx ON sessions (staff_id, created_at DESC) WHERE staff_id IS NOT NULL;

-- Refresh tokens are 256 random bits; only their SHA-256 is kept. A token is used once: using it
-- again means it was stolen, and the whole session (its family) is revoked.
CREATE TABLE refresh_tokens (
	token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	created_at timestamptz NOT NULL,
	used_at timestamptz
);

CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
