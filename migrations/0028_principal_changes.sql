-- Every change that can alter who a credential is, or whether it still works, is announced on the
-- channel cabinet_principals with the id concerned (a session, an account, a customer, an API token),
-- or '*' for a change that may concern anyone (a role's permissions, a setting). Each instance
-- listens and drops the principals it caches under that id, so a revocation through one instance
-- holds on every other within the time a notification takes (delivered at commit).
--
-- Columns written as a side effect of using a credential (last use, last sign-in, TOTP replay step)
-- are ignored: they change nothing of the principal, and announcing them would drop cached entries
-- on every sign-in.

-- An instance must also see its own changes at once, not when its listener hears them a moment
-- later: the same triggers collect the ids in a transaction-local setting, cabinet.principals_changed
-- (comma-separated; '*' when too many or everything), which the server reads in the same round trip
-- as its COMMIT and applies to its own cache before it answers.

CREATE FUNCTION principal_changes_add(id text) RETURNS void LANGUAGE sql AS $$
	SELECT set_config('cabinet.principals_changed',
		CASE WHEN id = '*' OR coalesce(current_setting('cabinet.principals_changed', true), '') = '*'
			OR length(coalesce(current_setting('cabinet.principals_changed', true), '')) > 4000
		THEN '*'
		ELSE concat_ws(',', nullif(current_setting('cabinet.principals_changed', true), ''), id) END,
		true)
$$;

CREATE FUNCTION principal_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	-- TG_ARGV[0]: the column naming the id to announce; TG_ARGV[1]: columns to ignore, comma-separated
	ignored text[] := string_to_array(coalesce(TG_ARGV[1], ''), ',');
	old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
	new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
	id text := coalesce(old_row, new_row) ->> TG_ARGV[0];
BEGIN
	IF TG_OP = 'UPDATE' AND (old_row - ignored) = (new_row - ignored) THEN
		RETURN NULL;
	END IF;
	PERFORM pg_notify('cabinet_principals', id);
	PERFORM principal_changes_add(id);
	IF TG_OP = 'UPDATE' AND (old_row ->> TG_ARGV[0]) IS DISTINCT FROM (new_row ->> TG_ARGV[0]) THEN
		PERFORM pg_notify('cabinet_principals', new_row ->> TG_ARGV[0]);
		PERFORM principal_changes_add(new_row ->> TG_ARGV[0]);
	END IF;
	RETURN NULL;
END
$$;

-- A role's permissions, the default role, any setting: every cached principal goes.
CREATE FUNCTION principals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('cabinet_principals', '*');
	PERFORM principal_changes_add('*');
	RETURN NULL;
END
$$;

CREATE TRIGGER sessions_principal_changed AFTER UPDATE OR DELETE ON sessions
	FOR EACH ROW EXECUTE FUNCTION principal_changed('id', 'last_used_at');
CREATE TRIGGER staff_principal_changed AFTER UPDATE OR DELETE ON staff
	FOR EACH ROW EXECUTE FUNCTION principal_changed('id', 'last_login_at,last_login_ip,updated_at');
CREATE TRIGGER customers_principal_changed AFTER UPDATE OR DELETE ON customers
	FOR EACH ROW EXECUTE FUNCTION principal_changed('id',
		'last_login_at,last_login_ip,last_login_sort,updated_at');
CREATE TRIGGER individuals_principal_changed AFTER UPDATE OR DELETE ON individuals
	FOR EACH ROW EXECUTE FUNCTION principal_changed('id', 'last_login_at,last_login_ip,updated_at');
CREATE TRIGGER totp_principal_changed AFTER INSERT OR UPDATE OR DELETE ON totp_credentials
	FOR EACH ROW EXECUTE FUNCTION principal_changed('account_id', 'last_step');
CREATE TRIGGER api_tokens_principal_changed AFTER UPDATE OR DELETE ON api_tokens
	FOR EACH ROW EXECUTE FUNCTION principal_changed('id', 'last_used_at,last_used_ip');
CREATE TRIGGER staff_roles_principals_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON staff_roles FOR EACH STATEMENT EXECUTE FUNCTION principals_changed();
CREATE TRIGGER portal_roles_principals_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON portal_roles FOR EACH STATEMENT EXECUTE FUNCTION principals_changed();
CREATE TRIGGER settings_principals_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON settings FOR EACH STATEMENT EXECUTE FUNCTION principals_changed();
