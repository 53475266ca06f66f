-- Messages that carry a secret (a link, a code, a password) keep it sealed: the texts anybody may
-- read show the secret as "[hidden]", and the texts to deliver are sealed (AES-256-GCM under a key
-- derived from the server secret, bound to the message id) in `sealed`, opened only by the delivery
-- worker and wiped once the message is sent or has failed for good.

ALTER TABLE messages ADD COLUMN sealed bytea;
ALTER TABLE messages ADD CONSTRAINT messages_sealed_only_sensitive CHECK (sealed IS NULL OR sensitive);

-- Messages queued before this change hold their secret in plain text and cannot be sealed from SQL:
-- they are not sent (the person asks again) and their texts are wiped.
UPDATE messages SET
	status = CASE WHEN status IN ('queued', 'held', 'sending') THEN 'failed' ELSE status END,
	last_error = CASE WHEN status IN ('queued', 'held', 'sending')
		THEN 'not sent: queued before secrets were sealed (an upgrade); ask again' ELSE last_error END,
	body_text = '[removed: it contained a secret]',
	body_html = CASE WHEN body_html IS NULL THEN NULL ELSE '<p>[removed: it contained a secret]</p>' END
WHERE sensitive AND body_text NOT LIKE '[removed%';
