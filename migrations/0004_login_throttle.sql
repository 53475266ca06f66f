-- Brute-force protection, shared by every instance: failures per account (with a lock that doubles
-- per further lock, and an hourly cap) and per source address (per minute).

CREATE TABLE login_throttle (
	subject text PRIMARY KEY CHECK (subject ~ '^(staff|customer|individual):[0-9a-f-]{36}$'),
	consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
	locks integer NOT NULL DEFAULT 0 CHECK (locks >= 0),   -- locks since the last success
	locked_until timestamptz,
	hour_start timestamptz NOT NULL,
	hour_failures integer NOT NULL DEFAULT 0 CHECK (hour_failures >= 0)
);

CREATE TABLE login_failures_by_ip (
	ip inet NOT NULL,
	minute timestamptz NOT NULL,
	failures integer NOT NULL CHECK (failures > 0),
	PRIMARY KEY (ip, minute)
);

CREATE INDEX login_failures_by_ip_minute_idx ON login_failures_by_ip (minute);
