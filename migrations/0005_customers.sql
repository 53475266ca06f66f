-- Customers (accounts of the portal realm) and the e-mail confirmations of registration.

CREATE TABLE customers (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	first_name text NOT NULL DEFAULT '' CHECK (length(first_name) <= 100),
	last_name text NOT NULL DEFAULT '' CHECK (length(last_name) <= 100),
	company text NOT NULL DEFAULT '' CHECK (length(company) <= 200),
	email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
	phone text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),               -- E.164
	status text NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'active', 'suspended', 'banned', 'deleted')),
	login_enabled boolean NOT NULL DEFAULT true,
	email_confirmed_at timestamptz,
	password_hash text,                        -- NULL: no password yet, cannot sign in
	must_change_password boolean NOT NULL DEFAULT false,
	language text NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'fr')),
	time_zone text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) <= 64),
	date_input_format text NOT NULL DEFAULT 'YYYY-MM-DD' CHECK (length(date_input_format) <= 32),
	date_output_format text NOT NULL DEFAULT 'YYYY-MM-DD' CHECK (length(date_output_format) <= 32),
	custom_fields jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(custom_fields) = 'object'),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	password_changed_at timestamptz,
	last_login_at timestamptz,
	last_login_ip inet
);

-- e-mail and phone identify one customer among those not deleted (a deleted one frees them)
CREATE UNIQUE INDEX customers_email_key ON customers (lower(email)) WHERE status <> 'deleted';
CREATE UNIQUE INDEX customers_phone_key ON customers (phone) WHERE status <> 'deleted' AND phone IS NOT NULL;

ALTER TABLE sessions ADD COLUMN customer_id uuid REFERENCES customers (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD CONSTRAINT sessions_portal_has_customer
	CHECK (realm <> 'portal' OR customer_id IS NOT NULL);
ALTER TABLE sessions ADD CONSTRAINT sessions_one_owner
	CHECK (staff_id IS NULL OR customer_id IS NULL);
CREATE INDEX sessions_customer_idx ON sessions (customer_id, created_at DESC) WHERE customer_id IS NOT NULL;

ALTER TABLE messages ADD CONSTRAINT messages_customer_fk
	FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE SET NULL;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_customer_fk
	FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE RESTRICT;

-- Registration links: 256 random bits, only their SHA-256 kept, single use.
CREATE TABLE email_confirmations (
	token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	email text NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at timestamptz
);
CREATE INDEX email_confirmations_customer_idx ON email_confirmations (customer_id);

-- Told to the owner of an address when someone tries to register it again (no enumeration:
-- the stranger gets the same answer as a new registration).
ALTER TABLE templates DROP CONSTRAINT templates_event_check;
ALTER TABLE templates ADD CONSTRAINT templates_event_check CHECK (event IN ('welcome',
	'email_confirmation', 'password_reset_link', 'recovery_code', 'generated_credentials',
	'staff_message', 'new_device_login', 'email_change_notice', 'registration_attempt'));

INSERT INTO templates (event, language, subject, body_text, body_html) VALUES
('registration_attempt', 'en', 'Someone tried to register with your address',
 E'Hello {{first_name}},\n\nSomeone just tried to create a {{portal_name}} account with this e-mail address, which already has one.\nIf it was you, sign in at {{login_url}} (or reset your password there). If not, you can ignore this message.\n',
 '<p>Hello {{first_name}},</p><p>Someone just tried to create a {{portal_name}} account with this e-mail address, which already has one.</p><p>If it was you, <a href="{{login_url}}">sign in</a> (or reset your password there). If not, you can ignore this message.</p>'),
('registration_attempt', 'fr', 'Tentative d’inscription avec votre adresse',
 E'Bonjour {{first_name}},\n\nQuelqu’un vient d’essayer de créer un compte {{portal_name}} avec cette adresse e-mail, qui en a déjà un.\nSi c’était vous, connectez-vous sur {{login_url}} (ou réinitialisez-y votre mot de passe). Sinon, ignorez ce message.\n',
 '<p>Bonjour {{first_name}},</p><p>Quelqu’un vient d’essayer de créer un compte {{portal_name}} avec cette adresse e-mail, qui en a déjà un.</p><p>Si c’était vous, <a href="{{login_url}}">connectez-vous</a> (ou réinitialisez-y votre mot de passe). Sinon, ignorez ce message.</p>');
