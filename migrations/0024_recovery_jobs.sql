-- POST /auth/recovery answers every login alike and in the same time: the request only queues a
-- job here (one insert, whether or not the login exists), and a delivery worker of any instance
-- takes it (FOR UPDATE SKIP LOCKED), looks the account up and sends the link or code. A job lives
-- for the few milliseconds until a worker takes it.

CREATE TABLE recovery_jobs (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	realm text NOT NULL CHECK (realm IN ('portal', 'staff')),
	login text NOT NULL CHECK (length(login) BETWEEN 1 AND 320),
	channel text NOT NULL CHECK (channel IN ('email', 'sms')),
	method text NOT NULL CHECK (method IN ('link', 'code')),
	ip inet,
	user_agent text CHECK (length(user_agent) <= 512),
	request_id text CHECK (length(request_id) <= 64),
	created_at timestamptz NOT NULL
);
