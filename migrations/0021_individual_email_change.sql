-- An individual changes its own e-mail like a customer: the link names it (and its customer).
ALTER TABLE email_confirmations
	ADD COLUMN individual_id uuid REFERENCES individuals (id) ON DELETE CASCADE;
