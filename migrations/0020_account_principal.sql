-- The principal of one account, looked up by its id: the view account_principals served the same
-- rows, but PostgreSQL planned a join against it as a scan of every account (66 ms at 30,000
-- accounts). As a function, each kind is fetched by its primary key; in PL/pgSQL, its plan is made
-- once per connection instead of at every request (planning the inlined query cost more than
-- running it).
DROP VIEW account_principals;

CREATE FUNCTION account_principal(p_id uuid)
RETURNS TABLE (kind text, id uuid, customer_id uuid, email text, display_name text, role text,
               must_change_password boolean, trusted_ips text, permissions text, active boolean,
               login_enabled boolean, two_factor boolean, active_from timestamptz,
               expires_at timestamptz)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
RETURN QUERY
SELECT 'staff'::text, st.id, NULL::uuid, st.email, st.display_name, st.role,
       st.must_change_password, st.trusted_ips,
       coalesce(array_to_string(r.permissions, ','), ''),
       st.status = 'active', true,
       EXISTS (SELECT 1 FROM totp_credentials t
                WHERE t.account_id = st.id AND t.confirmed_at IS NOT NULL),
       NULL::timestamptz, NULL::timestamptz
  FROM staff st
  LEFT JOIN staff_roles r ON r.name = st.role
 WHERE st.id = p_id
UNION ALL
-- a customer's role: its own, else the one the setting roles.default names
SELECT 'customer'::text, c.id, c.id, c.email, trim(c.first_name || ' ' || c.last_name),
       'customer'::text, c.must_change_password, c.trusted_ips,
       coalesce(array_to_string(pr.permissions, ','), ''),
       c.status = 'active', c.login_enabled,
       EXISTS (SELECT 1 FROM totp_credentials t
                WHERE t.account_id = c.id AND t.confirmed_at IS NOT NULL),
       NULL::timestamptz, NULL::timestamptz
  FROM customers c
  LEFT JOIN portal_roles pr ON pr.id = coalesce(c.role_id,
       (SELECT d.id FROM portal_roles d WHERE lower(d.name) =
          lower((SELECT value #>> '{}' FROM settings WHERE key = 'roles.default'))))
 WHERE c.id = p_id
UNION ALL
-- an individual's role counts while its customer allows it (user always); else user's permissions
SELECT 'individual'::text, i.id, i.customer_id, i.email, trim(i.first_name || ' ' || i.last_name),
       'individual'::text, i.must_change_password, i.trusted_ips,
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
       (SELECT u.id FROM portal_roles u WHERE u.system AND u.name = 'user'))
 WHERE i.id = p_id;
END
$$;
