-- Individuals: people inside a customer (an organization) with their own credentials, 2FA, trusted
-- IPs and a role taken from the customer's allowed roles (the system role "user" always is). They
-- sign in to the portal like customers; a portal login (e-mail or phone) names one account among
-- customers and individuals that are not deleted.

CREATE TABLE individuals (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
	phone text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
	first_name text NOT NULL DEFAULT '' CHECK (length(first_name) <= 100),
	last_name text NOT NULL DEFAULT '' CHECK (length(last_name) <= 100),
	status text NOT NULL DEFAULT 'invited'
		CHECK (status IN ('invited', 'active', 'suspended', 'deleted')),
	role_id uuid REFERENCES portal_roles (id) ON DELETE SET NULL, -- NULL: the system role "user"
	active_from timestamptz,                   -- sign-in allowed from, until expires_at
	expires_at timestamptz,
	password_hash text,
	must_change_password boolean NOT NULL DEFAULT false,
	language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'fr')),
	time_zone text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) <= 64),
	date_input_format text NOT NULL DEFAULT 'YYYY-MM-DD' CHECK (length(date_input_format) <= 32),
	date_output_format text NOT NULL DEFAULT 'YYYY-MM-DD' CHECK (length(date_output_format) <= 32),
	trusted_ips text NOT NULL DEFAULT '' CHECK (length(trusted_ips) <= 10000),
	two_factor_policy text NOT NULL DEFAULT 'inherit'
		CHECK (two_factor_policy IN ('inherit', 'required', 'off')),
	must_enrol_two_factor boolean NOT NULL DEFAULT false,
	security_question text CHECK (length(security_question) <= 200),
	security_answer_hash text,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	password_changed_at timestamptz,
	last_login_at timestamptz,
	last_login_ip inet,
	CHECK (expires_at IS NULL OR active_from IS NULL OR expires_at > active_from),
	CHECK ((security_question IS NULL) = (security_answer_hash IS NULL))
);
CREATE INDEX individuals_customer_idx ON individuals (customer_id, created_at);

-- The set-password link of an invitation: SHA-256 only, single use, 7 days; a resend kills the old.
CREATE TABLE individual_invitations (
	token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	individual_id uuid NOT NULL REFERENCES individuals (id) ON DELETE CASCADE,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at timestamptz,
	killed_at timestamptz
);
CREATE INDEX individual_invitations_individual_idx ON individual_invitations (individual_id);

-- One row per portal account not deleted: its e-mail and phone are unique across both tables.
CREATE TABLE portal_logins (
	owner_id uuid PRIMARY KEY,
	email text NOT NULL,
	phone text
);
CREATE UNIQUE INDEX portal_logins_email_key ON portal_logins (email);
CREATE UNIQUE INDEX portal_logins_phone_key ON portal_logins (phone) WHERE phone IS NOT NULL;

CREATE FUNCTION portal_logins_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		DELETE FROM portal_logins WHERE owner_id = OLD.id;
	END IF;
	IF TG_OP <> 'DELETE' AND NEW.status <> 'deleted' THEN
		INSERT INTO portal_logins (owner_id, email, phone) VALUES (NEW.id, lower(NEW.email), NEW.phone);
	END IF;
	RETURN NULL;
END $$;

INSERT INTO portal_logins (owner_id, email, phone)
	SELECT id, lower(email), phone FROM customers WHERE status <> 'deleted';
CREATE TRIGGER customers_portal_logins AFTER INSERT OR DELETE OR UPDATE OF email, phone, status
	ON customers FOR EACH ROW EXECUTE FUNCTION portal_logins_sync();
CREATE TRIGGER individuals_portal_logins AFTER INSERT OR DELETE OR UPDATE OF email, phone, status
	ON individuals FOR EACH ROW EXECUTE FUNCTION portal_logins_sync();

-- A deleted customer's individuals are deleted with it (their logins become free again).
CREATE FUNCTION customers_delete_individuals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE individuals SET status = 'deleted', updated_at = NEW.updated_at
	 WHERE customer_id = NEW.id AND status <> 'deleted';
	RETURN NULL;
END $$;
CREATE TRIGGER customers_delete_individuals AFTER UPDATE OF status ON customers
	FOR EACH ROW WHEN (NEW.status = 'deleted' AND OLD.status <> 'deleted')
	EXECUTE FUNCTION customers_delete_individuals();

-- An individual's sessions and tokens name it and its customer (whose suspension stops them too).
ALTER TABLE sessions ADD COLUMN individual_id uuid REFERENCES individuals (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD CONSTRAINT sessions_individual_portal
	CHECK (individual_id IS NULL OR customer_id IS NOT NULL);
CREATE INDEX sessions_individual_idx ON sessions (individual_id) WHERE individual_id IS NOT NULL;
ALTER TABLE api_tokens ADD COLUMN individual_id uuid REFERENCES individuals (id) ON DELETE CASCADE;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_individual_customer
	CHECK (individual_id IS NULL OR customer_id IS NOT NULL);

-- The identity tables that name an account by kind know individuals too.
ALTER TABLE recovery_requests DROP CONSTRAINT recovery_requests_account_kind_check,
	ADD CONSTRAINT recovery_requests_account_kind_check
		CHECK (account_kind IN ('staff', 'customer', 'individual'));
ALTER TABLE totp_credentials DROP CONSTRAINT totp_credentials_account_kind_check,
	ADD CONSTRAINT totp_credentials_account_kind_check
		CHECK (account_kind IN ('staff', 'customer', 'individual'));
ALTER TABLE mfa_challenges DROP CONSTRAINT mfa_challenges_account_kind_check,
	ADD CONSTRAINT mfa_challenges_account_kind_check
		CHECK (account_kind IN ('staff', 'customer', 'individual'));
ALTER TABLE device_alerts DROP CONSTRAINT device_alerts_account_kind_check,
	ADD CONSTRAINT device_alerts_account_kind_check
		CHECK (account_kind IN ('staff', 'customer', 'individual'));

-- The principal of every kind. An individual's role counts only while the customer allows it (the
-- system role "user" always); otherwise it falls back to "user". Its customer must be active and
-- allow sign-in; its own window (active_from, expires_at) is checked by the caller's clock.
DROP VIEW account_principals;
CREATE VIEW account_principals AS
SELECT 'staff'::text AS kind, st.id, NULL::uuid AS customer_id, st.email, st.display_name, st.role,
       st.must_change_password, st.trusted_ips,
       coalesce(array_to_string(r.permissions, ','), '') AS permissions,
       st.status = 'active' AS active, true AS login_enabled,
       EXISTS (SELECT 1 FROM totp_credentials t
                WHERE t.account_id = st.id AND t.confirmed_at IS NOT NULL) AS two_factor,
       NULL::timestamptz AS active_from, NULL::timestamptz AS expires_at
  FROM staff st
  LEFT JOIN staff_roles r ON r.name = st.role
UNION ALL
SELECT 'customer', c.id, c.id, c.email, trim(c.first_name || ' ' || c.last_name), 'customer',
       c.must_change_password, c.trusted_ips,
       coalesce(array_to_string(pr.permissions, ','), ''),
       c.status = 'active', c.login_enabled,
       EXISTS (SELECT 1 FROM totp_credentials t
                WHERE t.account_id = c.id AND t.confirmed_at IS NOT NULL),
       NULL, NULL
  FROM customers c
  LEFT JOIN portal_roles pr ON pr.id = coalesce(c.role_id,
       (SELECT d.id FROM portal_roles d WHERE lower(d.name) =
          lower((SELECT value #>> '{}' FROM settings WHERE key = 'roles.default'))))
UNION ALL
SELECT 'individual', i.id, i.customer_id, i.email, trim(i.first_name || ' ' || i.last_name),
       'individual', i.must_change_password, i.trusted_ips,
       array_to_string(CASE WHEN (r.system AND r.name = 'user') OR r.id = ANY (c.allowed_role_ids)
                            THEN r.permissions
                            ELSE (SELECT u.permissions FROM portal_roles u
                                   WHERE u.system AND u.name = 'user') END, ','),
       i.status = 'active' AND c.status = 'active', c.login_enabled,
       EXISTS (SELECT 1 FROM totp_credentials t
                WHERE t.account_id = i.id AND t.confirmed_at IS NOT NULL),
       i.active_from, i.expires_at
  FROM individuals i
  JOIN customers c ON c.id = i.customer_id
  LEFT JOIN portal_roles r ON r.id = coalesce(i.role_id,
       (SELECT u.id FROM portal_roles u WHERE u.system AND u.name = 'user'));

-- The invitation of an individual: a link to choose a password, valid 7 days.
ALTER TABLE templates DROP CONSTRAINT templates_event_check;
ALTER TABLE templates ADD CONSTRAINT templates_event_check CHECK (event IN ('welcome',
	'email_confirmation', 'password_reset_link', 'recovery_code', 'generated_credentials',
	'staff_message', 'new_device_login', 'email_change_notice', 'registration_attempt',
	'account_suspended', 'account_banned', 'account_reactivated', 'individual_invitation'));

INSERT INTO templates (event, language, subject, body_text, body_html) VALUES
('individual_invitation', 'en', '{{organization}} invites you to {{portal_name}}',
 E'Hello {{first_name}},\n\n{{organization}} gives you access to {{portal_name}}. Choose your password here (the link works for {{expires_days}} days):\n{{link}}\n\nIf you did not expect this, ignore this message.\n',
 '<p>Hello {{first_name}},</p><p>{{organization}} gives you access to {{portal_name}}.</p><p><a href="{{link}}">Choose your password</a> (the link works for {{expires_days}} days).</p><p>If you did not expect this, ignore this message.</p>'),
('individual_invitation', 'fr', '{{organization}} vous invite sur {{portal_name}}',
 E'Bonjour {{first_name}},\n\n{{organization}} vous donne accès à {{portal_name}}. Choisissez votre mot de passe ici (le lien est valable {{expires_days}} jours) :\n{{link}}\n\nSi vous n''attendiez pas ce message, ignorez-le.\n',
 '<p>Bonjour {{first_name}},</p><p>{{organization}} vous donne accès à {{portal_name}}.</p><p><a href="{{link}}">Choisissez votre mot de passe</a> (le lien est valable {{expires_days}} jours).</p><p>Si vous n''attendiez pas ce message, ignorez-le.</p>');
