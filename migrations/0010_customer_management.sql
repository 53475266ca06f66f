-- Customer management: staff roles over a permission catalogue, search over customers
-- (accent- and case-insensitive, partial), status changes guarded by the database with their
-- reasons, staff notes.

-- Staff roles: the built-in four and custom ones; permissions name the catalogue of auth/principal.c
-- ("*" is every permission).
CREATE TABLE staff_roles (
	name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{1,31}$'),
	description text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
	permissions text[] NOT NULL,
	system boolean NOT NULL DEFAULT false
);
INSERT INTO staff_roles (name, description, permissions, system) VALUES
('owner', 'Everything, including staff and settings.', '{*}', true),
('admin', 'Everything but managing staff.', '{customers.read,customers.write,customers.credentials,customers.suspend,customers.ban,customers.delete,customers.impersonate,customers.import,settings.manage,audit.read,messages.read,messages.send,templates.manage,roles.manage}', true),
('support', 'Customers day to day: read, edit, credentials, suspend, log in as.', '{customers.read,customers.write,customers.credentials,customers.suspend,customers.impersonate,messages.read,messages.send}', true),
('read_only', 'Reads customers, messages and the audit log.', '{customers.read,messages.read,audit.read}', true);

ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_fk FOREIGN KEY (role) REFERENCES staff_roles (name)
	ON UPDATE CASCADE;

-- Search: one folded text per customer (lower case, no accents), matched by trigrams.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is only STABLE (its dictionary could change); naming the dictionary makes it safe to
-- index, as the PostgreSQL documentation suggests.
CREATE FUNCTION cabinet_fold(text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
	AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

ALTER TABLE customers
	ADD COLUMN search_text text GENERATED ALWAYS AS (cabinet_fold(first_name || ' ' || last_name
		|| ' ' || company || ' ' || email || ' ' || coalesce(phone, ''))) STORED,
	ADD COLUMN sort_name text GENERATED ALWAYS AS (cabinet_fold(last_name || ' ' || first_name
		|| ' ' || email)) STORED,
	ADD COLUMN last_login_sort timestamptz GENERATED ALWAYS AS
		(coalesce(last_login_at, '-infinity'::timestamptz)) STORED;

CREATE INDEX customers_search_idx ON customers USING gin (search_text gin_trgm_ops);
CREATE INDEX customers_sort_name_idx ON customers (sort_name, id);
CREATE INDEX customers_created_idx ON customers (created_at, id);
CREATE INDEX customers_last_login_idx ON customers (last_login_sort, id);
CREATE INDEX customers_status_idx ON customers (status);

-- Allowed status changes, enforced whoever writes: deleted is final; pending only moves forward.
CREATE FUNCTION customers_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.status = OLD.status THEN
		RETURN NEW;
	END IF;
	IF OLD.status = 'deleted'
	   OR (NEW.status = 'pending')
	   OR (OLD.status = 'banned' AND NEW.status = 'suspended') THEN
		RAISE EXCEPTION 'customer status cannot go from % to %', OLD.status, NEW.status
			USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER customers_status_guard BEFORE UPDATE OF status ON customers
	FOR EACH ROW EXECUTE FUNCTION customers_status_guard();

-- Every status change with who made it and why (suspend, ban and reactivate show these).
CREATE TABLE customer_status_changes (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	from_status text NOT NULL,
	to_status text NOT NULL,
	reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
	staff_id uuid REFERENCES staff (id) ON DELETE SET NULL,
	occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_status_changes_customer_idx
	ON customer_status_changes (customer_id, occurred_at DESC);

-- Staff notes on a customer.
CREATE TABLE customer_notes (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	author_id uuid REFERENCES staff (id) ON DELETE SET NULL,
	body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_notes_customer_idx ON customer_notes (customer_id, created_at DESC);

-- reset-2fa: the customer must set up 2FA again at its next sign-in, whatever its policy.
ALTER TABLE customers ADD COLUMN must_enrol_two_factor boolean NOT NULL DEFAULT false;

-- Notices of suspension, ban and reactivation (sent when staff ask for them).
ALTER TABLE templates DROP CONSTRAINT templates_event_check;
ALTER TABLE templates ADD CONSTRAINT templates_event_check CHECK (event IN ('welcome',
	'email_confirmation', 'password_reset_link', 'recovery_code', 'generated_credentials',
	'staff_message', 'new_device_login', 'email_change_notice', 'registration_attempt',
	'account_suspended', 'account_banned', 'account_reactivated'));

INSERT INTO templates (event, language, subject, body_text, body_html) VALUES
('account_suspended', 'en', 'Your {{portal_name}} account is suspended',
 E'Hello {{first_name}},\n\nYour account is suspended: {{reason}}\nContact us to have it reactivated.\n',
 '<p>Hello {{first_name}},</p><p>Your account is suspended: {{reason}}</p><p>Contact us to have it reactivated.</p>'),
('account_suspended', 'fr', 'Votre compte {{portal_name}} est suspendu',
 E'Bonjour {{first_name}},\n\nVotre compte est suspendu : {{reason}}\nContactez-nous pour le faire réactiver.\n',
 '<p>Bonjour {{first_name}},</p><p>Votre compte est suspendu : {{reason}}</p><p>Contactez-nous pour le faire réactiver.</p>'),
('account_banned', 'en', 'Your {{portal_name}} account is closed',
 E'Hello {{first_name}},\n\nYour account is closed: {{reason}}\n',
 '<p>Hello {{first_name}},</p><p>Your account is closed: {{reason}}</p>'),
('account_banned', 'fr', 'Votre compte {{portal_name}} est fermé',
 E'Bonjour {{first_name}},\n\nVotre compte est fermé : {{reason}}\n',
 '<p>Bonjour {{first_name}},</p><p>Votre compte est fermé : {{reason}}</p>'),
('account_reactivated', 'en', 'Your {{portal_name}} account is active again',
 E'Hello {{first_name}},\n\nYour account is active again. Sign in at {{login_url}}\n',
 '<p>Hello {{first_name}},</p><p>Your account is active again. <a href="{{login_url}}">Sign in</a></p>'),
('account_reactivated', 'fr', 'Votre compte {{portal_name}} est de nouveau actif',
 E'Bonjour {{first_name}},\n\nVotre compte est de nouveau actif. Connectez-vous sur {{login_url}}\n',
 '<p>Bonjour {{first_name}},</p><p>Votre compte est de nouveau actif. <a href="{{login_url}}">Connectez-vous</a></p>');
