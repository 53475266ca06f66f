-- API tokens: credentials for software acting for a customer or a staff member (individuals join
-- with their table). The secret is shown once; only its SHA-256 is kept (it has 192 random bits, so
-- a fast hash is enough). A token's permissions are a subset of its owner's, and what it may do is
-- always the intersection with what the owner may do now.

CREATE TABLE api_tokens (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	staff_id uuid REFERENCES staff (id) ON DELETE CASCADE,
	customer_id uuid REFERENCES customers (id) ON DELETE CASCADE,
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	prefix text NOT NULL CHECK (length(prefix) BETWEEN 4 AND 16), -- shown to recognise the token
	secret_hash bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
	permissions text[] NOT NULL,
	trusted_ips text NOT NULL DEFAULT '' CHECK (length(trusted_ips) <= 10000),
	rate_limit integer NOT NULL DEFAULT 600 CHECK (rate_limit BETWEEN 1 AND 100000), -- per minute
	expires_at timestamptz,
	created_at timestamptz NOT NULL,
	last_used_at timestamptz,
	last_used_ip inet,
	revoked_at timestamptz,
	revoked_by_staff_id uuid REFERENCES staff (id) ON DELETE SET NULL,
	CHECK (num_nonnulls(staff_id, customer_id) = 1)
);

CREATE INDEX api_tokens_customer_idx ON api_tokens (customer_id, created_at DESC)
	WHERE customer_id IS NOT NULL;
CREATE INDEX api_tokens_staff_idx ON api_tokens (staff_id, created_at DESC)
	WHERE staff_id IS NOT NULL;

-- A session opened with POST /auth/token is limited to its token's permissions and ends with it.
ALTER TABLE sessions ADD COLUMN api_token_id uuid REFERENCES api_tokens (id) ON DELETE CASCADE;

-- Who an account is when it acts, whatever its kind: the one source of a principal for sessions and
-- tokens alike (individuals join it with their table). permissions: the role's, comma-separated;
-- a customer without a role of its own has the one the setting roles.default names.
CREATE VIEW account_principals AS
SELECT 'staff'::text AS kind, st.id, st.email, st.display_name, st.role,
       st.must_change_password, st.trusted_ips,
       coalesce(array_to_string(r.permissions, ','), '') AS permissions,
       st.status = 'active' AS active, true AS login_enabled,
       EXISTS (SELECT 1 FROM totp_credentials t
                WHERE t.account_id = st.id AND t.confirmed_at IS NOT NULL) AS two_factor
  FROM staff st
  LEFT JOIN staff_roles r ON r.name = st.role
UNION ALL
SELECT 'customer', c.id, c.email, trim(c.first_name || ' ' || c.last_name), 'customer',
       c.must_change_password, c.trusted_ips,
       coalesce(array_to_string(pr.permissions, ','), ''),
       c.status = 'active', c.login_enabled,
       EXISTS (SELECT 1 FROM totp_credentials t
                WHERE t.account_id = c.id AND t.confirmed_at IS NOT NULL)
  FROM customers c
  LEFT JOIN portal_roles pr ON pr.id = coalesce(c.role_id,
       (SELECT d.id FROM portal_roles d WHERE lower(d.name) =
          lower((SELECT value #>> '{}' FROM settings WHERE key = 'roles.default'))));
