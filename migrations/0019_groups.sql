-- Groups: a customer's individuals gathered under a name (licenses will be given to groups).
CREATE TABLE groups (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
	description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX groups_name_key ON groups (customer_id, lower(name));

CREATE TABLE group_members (
	group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
	individual_id uuid NOT NULL REFERENCES individuals (id) ON DELETE CASCADE,
	PRIMARY KEY (group_id, individual_id)
);
CREATE INDEX group_members_individual_idx ON group_members (individual_id);
