-- Security notices: a password reset and "sign out everywhere" list the API tokens they revoked;
-- a completed change of e-mail address sends the old address a link that undoes it; a portal
-- account that tries an address or phone another account holds gets the same answer as for a free
-- one, and the holder is told. Free text a customer types (names, company) stays out of subjects.

ALTER TABLE templates DROP CONSTRAINT templates_event_check;
ALTER TABLE templates ADD CONSTRAINT templates_event_check CHECK (event IN ('welcome',
	'email_confirmation', 'password_reset_link', 'recovery_code', 'generated_credentials',
	'staff_message', 'new_device_login', 'email_change_notice', 'registration_attempt',
	'account_suspended', 'account_banned', 'account_reactivated', 'individual_invitation',
	'password_reset_done', 'signed_out_everywhere', 'email_changed', 'address_in_use',
	'account_security_changed'));

-- A change of address ends every session; so does staff removing a customer's second factor or
-- security question.
ALTER TABLE sessions DROP CONSTRAINT sessions_revoked_reason_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_revoked_reason_check CHECK (revoked_reason IN
	('logout', 'logout_everywhere', 'revoked', 'refresh_reuse', 'password_changed',
	 'account_disabled', 'not_me', 'staff_revoked', 'credentials_reset', 'account_deleted',
	 'email_changed', 'security_reset'));

-- An undo link goes to the old address, and is checked against the address it moved to.
ALTER TABLE email_confirmations DROP CONSTRAINT email_confirmations_purpose_check;
ALTER TABLE email_confirmations ADD CONSTRAINT email_confirmations_purpose_check
	CHECK (purpose IN ('registration', 'change', 'undo'));
-- The address the account had when a change or undo link was made: it applies only while the
-- account still has it.
ALTER TABLE email_confirmations ADD COLUMN from_email text;

UPDATE templates SET subject = 'You are invited to {{portal_name}}'
 WHERE event = 'individual_invitation' AND language = 'en' AND subject = '{{organization}} invites you to {{portal_name}}';
UPDATE templates SET subject = 'Invitation à rejoindre {{portal_name}}'
 WHERE event = 'individual_invitation' AND language = 'fr' AND subject = '{{organization}} vous invite sur {{portal_name}}';

INSERT INTO templates (event, language, subject, body_text, body_html) VALUES
('password_reset_done', 'en', 'Your {{portal_name}} password was reset',
 E'Hello {{first_name}},\n\nThe password of your {{portal_name}} account was just reset. Every session was signed out, and these API tokens were revoked: {{tokens}}.\n\nIf you did not do this, reset your password again at once at {{portal_url}} and contact us.\n',
 '<p>Hello {{first_name}},</p><p>The password of your {{portal_name}} account was just reset. Every session was signed out, and these API tokens were revoked: {{tokens}}.</p><p>If you did not do this, reset your password again at once at <a href="{{portal_url}}">{{portal_url}}</a> and contact us.</p>'),
('password_reset_done', 'fr', 'Votre mot de passe {{portal_name}} a été réinitialisé',
 E'Bonjour {{first_name}},\n\nLe mot de passe de votre compte {{portal_name}} vient d''être réinitialisé. Toutes les sessions ont été fermées et ces jetons d''API révoqués : {{tokens}}.\n\nSi ce n''était pas vous, réinitialisez-le de nouveau sur {{portal_url}} et contactez-nous.\n',
 '<p>Bonjour {{first_name}},</p><p>Le mot de passe de votre compte {{portal_name}} vient d''être réinitialisé. Toutes les sessions ont été fermées et ces jetons d''API révoqués : {{tokens}}.</p><p>Si ce n''était pas vous, réinitialisez-le de nouveau sur <a href="{{portal_url}}">{{portal_url}}</a> et contactez-nous.</p>'),
('signed_out_everywhere', 'en', 'You signed out of {{portal_name}} everywhere',
 E'Hello {{first_name}},\n\nEvery other session of your {{portal_name}} account was signed out, and these API tokens were revoked: {{tokens}}.\n\nIf you did not do this, reset your password at once at {{portal_url}}.\n',
 '<p>Hello {{first_name}},</p><p>Every other session of your {{portal_name}} account was signed out, and these API tokens were revoked: {{tokens}}.</p><p>If you did not do this, reset your password at once at <a href="{{portal_url}}">{{portal_url}}</a>.</p>'),
('signed_out_everywhere', 'fr', 'Vous êtes déconnecté de {{portal_name}} partout',
 E'Bonjour {{first_name}},\n\nToutes les autres sessions de votre compte {{portal_name}} ont été fermées et ces jetons d''API révoqués : {{tokens}}.\n\nSi ce n''était pas vous, réinitialisez votre mot de passe immédiatement sur {{portal_url}}.\n',
 '<p>Bonjour {{first_name}},</p><p>Toutes les autres sessions de votre compte {{portal_name}} ont été fermées et ces jetons d''API révoqués : {{tokens}}.</p><p>Si ce n''était pas vous, réinitialisez votre mot de passe immédiatement sur <a href="{{portal_url}}">{{portal_url}}</a>.</p>'),
('email_changed', 'en', 'The e-mail address of your {{portal_name}} account changed',
 E'Hello {{first_name}},\n\nYour {{portal_name}} account now uses the address {{new_email}}; every session was signed out.\nIf you did not ask for this, open this link within {{expires_days}} days to move the account back to this address and choose a new password:\n{{undo_link}}\n',
 '<p>Hello {{first_name}},</p><p>Your {{portal_name}} account now uses the address {{new_email}}; every session was signed out.</p><p>If you did not ask for this, <a href="{{undo_link}}">move the account back to this address and choose a new password</a> (the link works for {{expires_days}} days).</p>'),
('email_changed', 'fr', 'L''adresse e-mail de votre compte {{portal_name}} a changé',
 E'Bonjour {{first_name}},\n\nVotre compte {{portal_name}} utilise désormais l''adresse {{new_email}} ; toutes les sessions ont été fermées.\nSi vous n''avez rien demandé, ouvrez ce lien dans les {{expires_days}} jours pour revenir à cette adresse et choisir un nouveau mot de passe :\n{{undo_link}}\n',
 '<p>Bonjour {{first_name}},</p><p>Votre compte {{portal_name}} utilise désormais l''adresse {{new_email}} ; toutes les sessions ont été fermées.</p><p>Si vous n''avez rien demandé, <a href="{{undo_link}}">revenez à cette adresse et choisissez un nouveau mot de passe</a> (le lien est valable {{expires_days}} jours).</p>'),
('address_in_use', 'en', 'Someone tried to use your address on {{portal_name}}',
 E'Hello {{first_name}},\n\nSomeone signed in to another {{portal_name}} account just tried to use {{address}}, which belongs to your account. Nothing changed on your account, and they were not told that the address is yours.\nIf you know about this, you can ignore this message.\n',
 '<p>Hello {{first_name}},</p><p>Someone signed in to another {{portal_name}} account just tried to use {{address}}, which belongs to your account. Nothing changed on your account, and they were not told that the address is yours.</p><p>If you know about this, you can ignore this message.</p>'),
('address_in_use', 'fr', 'Quelqu''un a essayé d''utiliser votre adresse sur {{portal_name}}',
 E'Bonjour {{first_name}},\n\nQuelqu''un connecté à un autre compte {{portal_name}} vient d''essayer d''utiliser {{address}}, qui appartient à votre compte. Rien n''a changé sur votre compte, et cette personne n''a pas appris que l''adresse est la vôtre.\nSi vous êtes au courant, ignorez ce message.\n',
 '<p>Bonjour {{first_name}},</p><p>Quelqu''un connecté à un autre compte {{portal_name}} vient d''essayer d''utiliser {{address}}, qui appartient à votre compte. Rien n''a changé sur votre compte, et cette personne n''a pas appris que l''adresse est la vôtre.</p><p>Si vous êtes au courant, ignorez ce message.</p>'),
('account_security_changed', 'en', 'A change to the security of your {{portal_name}} account',
 E'Hello {{first_name}},\n\nOur staff changed the security of your {{portal_name}} account: {{change}}. Every session was signed out; sign in again at {{portal_url}}.\nIf you did not ask for this, contact us.\n',
 '<p>Hello {{first_name}},</p><p>Our staff changed the security of your {{portal_name}} account: {{change}}. Every session was signed out; <a href="{{portal_url}}">sign in again</a>.</p><p>If you did not ask for this, contact us.</p>'),
('account_security_changed', 'fr', 'Modification de la sécurité de votre compte {{portal_name}}',
 E'Bonjour {{first_name}},\n\nNotre équipe a modifié la sécurité de votre compte {{portal_name}} : {{change}}. Toutes les sessions ont été fermées ; reconnectez-vous sur {{portal_url}}.\nSi vous n''avez rien demandé, contactez-nous.\n',
 '<p>Bonjour {{first_name}},</p><p>Notre équipe a modifié la sécurité de votre compte {{portal_name}} : {{change}}. Toutes les sessions ont été fermées ; <a href="{{portal_url}}">reconnectez-vous</a>.</p><p>Si vous n''avez rien demandé, contactez-nous.</p>');
