-- Portal roles: what a customer's own login and, later, its individuals and tokens may do in the
-- portal. Two system roles; staff (roles.manage) add others. A customer has an assigned role (the
-- setting roles.default when none) and the roles it may give its individuals.

CREATE TABLE portal_roles (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name text NOT NULL CHECK (length(name) BETWEEN 2 AND 60),
	description text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
	permissions text[] NOT NULL,
	system boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX portal_roles_name_key ON portal_roles (lower(name));

INSERT INTO portal_roles (name, description, permissions, system) VALUES
('organization-admin', 'Everything the portal offers, for the customer''s own login.',
 '{profile.read,profile.write,security.manage,sessions.manage,individuals.manage,groups.manage,tokens.manage,history.read,licenses.read,licenses.activate,licenses.offline,releases.download,bookings.read,bookings.create,bookings.cancel}',
 true),
('user', 'Reads what is theirs, downloads, keeps their own profile and security.',
 '{profile.read,profile.write,security.manage,sessions.manage,history.read,licenses.read,releases.download,bookings.read}',
 true);

ALTER TABLE customers
	ADD COLUMN role_id uuid REFERENCES portal_roles (id),
	ADD COLUMN allowed_role_ids uuid[] NOT NULL DEFAULT '{}';
CREATE INDEX customers_role_idx ON customers (role_id) WHERE role_id IS NOT NULL;

-- the role of customers without one of their own (setting roles.default, a role name)
INSERT INTO settings (key, value) VALUES ('roles.default', '"organization-admin"')
	ON CONFLICT (key) DO NOTHING;
