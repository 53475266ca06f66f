-- A new phone number signs in and receives recovery codes: it applies once a 6-digit code sent to
-- it by SMS comes back (POST /api/v1/me/phone). A number another account holds gets the same answer
-- and a pending change whose code was never sent (its holder is told instead), so the answer says
-- nothing about who holds which number. One pending change per account; five wrong codes end it.
CREATE TABLE phone_changes (
	account_id uuid PRIMARY KEY,
	account_kind text NOT NULL CHECK (account_kind IN ('customer', 'individual')),
	phone text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
	code_hmac bytea NOT NULL CHECK (length(code_hmac) = 32),
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts BETWEEN 0 AND 5)
);
