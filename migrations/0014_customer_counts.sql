-- How many customers each status has, kept by statement triggers, so the customer list answers its
-- total without counting a million rows when no search text narrows it.

CREATE TABLE customer_counts (
	status text PRIMARY KEY,
	n bigint NOT NULL CHECK (n >= 0)
);

INSERT INTO customer_counts (status, n)
SELECT s, (SELECT count(*) FROM customers WHERE status = s)
FROM unnest(ARRAY['pending', 'active', 'suspended', 'banned', 'deleted']) s;

CREATE FUNCTION customer_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE customer_counts c SET n = c.n + d.n
	  FROM (SELECT status, count(*) AS n FROM new_rows GROUP BY status) d WHERE c.status = d.status;
	RETURN NULL;
END
$$;

CREATE FUNCTION customer_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE customer_counts c SET n = c.n + d.n
	  FROM (SELECT status, sum(delta) AS n FROM (
	          SELECT status, 1 AS delta FROM new_rows
	          UNION ALL SELECT status, -1 FROM old_rows) x GROUP BY status) d
	 WHERE c.status = d.status AND d.n <> 0;
	RETURN NULL;
END
$$;

CREATE FUNCTION customer_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE customer_counts c SET n = c.n - d.n
	  FROM (SELECT status, count(*) AS n FROM old_rows GROUP BY status) d WHERE c.status = d.status;
	RETURN NULL;
END
$$;

CREATE TRIGGER customer_counts_insert AFTER INSERT ON customers
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_insert();
CREATE TRIGGER customer_counts_update AFTER UPDATE ON customers
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_update();
CREATE TRIGGER customer_counts_delete AFTER DELETE ON customers
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_delete();
