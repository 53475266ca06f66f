-- "Log in as" with the default role: the session's permissions come from that role, not from the
-- account's own (the customer's default role setting; for an individual, the system role user).
ALTER TABLE sessions ADD COLUMN impersonation_role_id uuid REFERENCES portal_roles (id) ON DELETE SET NULL;
