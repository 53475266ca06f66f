-- Every credential check takes its slots before it is hashed (a burst can never exceed a limit):
-- login_throttle.consecutive_failures and hour_failures now count checks in flight as well as
-- failures (a success gives its slot back), and login_failures_by_ip.failures the same per address
-- and minute. Unknown logins have counters of their own ('login:' || HMAC of realm and login), so a
-- lock looks the same whether or not the account exists.

ALTER TABLE login_throttle DROP CONSTRAINT login_throttle_subject_check;
ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_subject_check
	CHECK (subject ~ '^((staff|customer|individual):[0-9a-f-]{36}|login:[0-9a-f]{64})$');

ALTER TABLE login_failures_by_ip DROP CONSTRAINT login_failures_by_ip_failures_check;
ALTER TABLE login_failures_by_ip ADD CONSTRAINT login_failures_by_ip_failures_check CHECK (failures >= 0);

CREATE INDEX login_throttle_unknown_idx ON login_throttle (hour_start) WHERE subject LIKE 'login:%';
