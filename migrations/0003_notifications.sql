-- Notifications: message templates (event x language) and the transactional outbox.
-- A message is written in the same transaction as the change that causes it, then delivered by the
-- workers of any instance (claimed with FOR UPDATE SKIP LOCKED).

CREATE TABLE templates (
	event text NOT NULL CHECK (event IN ('welcome', 'email_confirmation', 'password_reset_link',
		'recovery_code', 'generated_credentials', 'staff_message', 'new_device_login',
		'email_change_notice')),
	language text NOT NULL CHECK (language IN ('en', 'fr')),
	subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
	body_text text NOT NULL CHECK (length(body_text) BETWEEN 1 AND 20000),
	body_html text NOT NULL CHECK (length(body_html) BETWEEN 1 AND 100000),
	updated_at timestamptz NOT NULL DEFAULT now(),
	updated_by uuid REFERENCES staff (id) ON DELETE SET NULL,
	PRIMARY KEY (event, language)
);

CREATE TABLE messages (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	customer_id uuid,   -- recipients, when known (foreign keys arrive with their tables)
	individual_id uuid,
	staff_id uuid REFERENCES staff (id) ON DELETE SET NULL,
	channel text NOT NULL CHECK (channel IN ('email', 'sms')),
	address text NOT NULL CHECK (length(address) BETWEEN 3 AND 320 AND address !~ '[\r\n<>]'),
	subject text NOT NULL DEFAULT '' CHECK (length(subject) <= 998),
	body_text text NOT NULL,
	body_html text,
	event text,
	language text,
	sensitive boolean NOT NULL DEFAULT false, -- carries a secret: bodies are wiped once delivered or failed
	status text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'held')),
	attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	next_attempt_at timestamptz NOT NULL,
	last_error text CHECK (length(last_error) <= 1000),
	created_at timestamptz NOT NULL,
	claimed_at timestamptz,
	sent_at timestamptz,
	CHECK (channel = 'email' OR body_html IS NULL)
);

CREATE INDEX messages_due_idx ON messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX messages_held_idx ON messages (channel) WHERE status = 'held';
CREATE INDEX messages_sending_idx ON messages (claimed_at) WHERE status = 'sending';
CREATE INDEX messages_list_idx ON messages (created_at DESC, id DESC);
CREATE INDEX messages_customer_idx ON messages (customer_id, created_at DESC) WHERE customer_id IS NOT NULL;

INSERT INTO templates (event, language, subject, body_text, body_html) VALUES
('welcome', 'en', 'Welcome to {{portal_name}}',
 E'Hello {{first_name}},\n\nYour account at {{portal_name}} is ready. Sign in at {{login_url}}\n',
 '<p>Hello {{first_name}},</p><p>Your account at {{portal_name}} is ready.</p><p><a href="{{login_url}}">Sign in</a></p>'),
('welcome', 'fr', 'Bienvenue sur {{portal_name}}',
 E'Bonjour {{first_name}},\n\nVotre compte sur {{portal_name}} est prêt. Connectez-vous sur {{login_url}}\n',
 '<p>Bonjour {{first_name}},</p><p>Votre compte sur {{portal_name}} est prêt.</p><p><a href="{{login_url}}">Se connecter</a></p>'),
('email_confirmation', 'en', 'Confirm your e-mail address',
 E'Hello {{first_name}},\n\nConfirm your e-mail address by opening this link within {{expires_minutes}} minutes:\n{{link}}\n\nIf you did not create an account, ignore this message.\n',
 '<p>Hello {{first_name}},</p><p>Confirm your e-mail address within {{expires_minutes}} minutes:</p><p><a href="{{link}}">Confirm my address</a></p><p>If you did not create an account, ignore this message.</p>'),
('email_confirmation', 'fr', 'Confirmez votre adresse e-mail',
 E'Bonjour {{first_name}},\n\nConfirmez votre adresse e-mail en ouvrant ce lien dans les {{expires_minutes}} minutes :\n{{link}}\n\nSi vous n''avez pas créé de compte, ignorez ce message.\n',
 '<p>Bonjour {{first_name}},</p><p>Confirmez votre adresse e-mail dans les {{expires_minutes}} minutes :</p><p><a href="{{link}}">Confirmer mon adresse</a></p><p>Si vous n''avez pas créé de compte, ignorez ce message.</p>'),
('password_reset_link', 'en', 'Reset your password',
 E'Hello {{first_name}},\n\nTo choose a new password, open this link within {{expires_minutes}} minutes:\n{{link}}\n\nIf you did not ask for this, ignore this message: your password stays as it is.\n',
 '<p>Hello {{first_name}},</p><p>To choose a new password, open this link within {{expires_minutes}} minutes:</p><p><a href="{{link}}">Reset my password</a></p><p>If you did not ask for this, ignore this message.</p>'),
('password_reset_link', 'fr', 'Réinitialisez votre mot de passe',
 E'Bonjour {{first_name}},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien dans les {{expires_minutes}} minutes :\n{{link}}\n\nSi vous n''avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n',
 '<p>Bonjour {{first_name}},</p><p>Pour choisir un nouveau mot de passe, ouvrez ce lien dans les {{expires_minutes}} minutes :</p><p><a href="{{link}}">Réinitialiser mon mot de passe</a></p><p>Si vous n''avez rien demandé, ignorez ce message.</p>'),
('recovery_code', 'en', 'Your verification code',
 E'Your {{portal_name}} verification code is {{code}}. It expires in {{expires_minutes}} minutes.\n',
 '<p>Your {{portal_name}} verification code is <strong>{{code}}</strong>.</p><p>It expires in {{expires_minutes}} minutes.</p>'),
('recovery_code', 'fr', 'Votre code de vérification',
 E'Votre code de vérification {{portal_name}} est {{code}}. Il expire dans {{expires_minutes}} minutes.\n',
 '<p>Votre code de vérification {{portal_name}} est <strong>{{code}}</strong>.</p><p>Il expire dans {{expires_minutes}} minutes.</p>'),
('generated_credentials', 'en', 'Your {{portal_name}} sign-in details',
 E'Hello {{first_name}},\n\nSign in at {{login_url}}\nLogin: {{login}}\nPassword: {{password}}\n\nChange the password after your first sign-in.\n',
 '<p>Hello {{first_name}},</p><p>Sign in at <a href="{{login_url}}">{{login_url}}</a></p><p>Login: <strong>{{login}}</strong><br>Password: <strong>{{password}}</strong></p><p>Change the password after your first sign-in.</p>'),
('generated_credentials', 'fr', 'Vos identifiants {{portal_name}}',
 E'Bonjour {{first_name}},\n\nConnectez-vous sur {{login_url}}\nIdentifiant : {{login}}\nMot de passe : {{password}}\n\nChangez le mot de passe après votre première connexion.\n',
 '<p>Bonjour {{first_name}},</p><p>Connectez-vous sur <a href="{{login_url}}">{{login_url}}</a></p><p>Identifiant : <strong>{{login}}</strong><br>Mot de passe : <strong>{{password}}</strong></p><p>Changez le mot de passe après votre première connexion.</p>'),
('staff_message', 'en', '{{subject}}',
 E'Hello {{first_name}},\n\n{{message}}\n\n{{portal_name}}\n',
 '<p>Hello {{first_name}},</p><p>{{message}}</p><p>{{portal_name}}</p>'),
('staff_message', 'fr', '{{subject}}',
 E'Bonjour {{first_name}},\n\n{{message}}\n\n{{portal_name}}\n',
 '<p>Bonjour {{first_name}},</p><p>{{message}}</p><p>{{portal_name}}</p>'),
('new_device_login', 'en', 'New sign-in to your account',
 E'Hello {{first_name}},\n\nYour account was signed in to from a new device ({{device}}, {{ip}}) at {{time}}.\nIf this was not you, open this link to sign out everywhere and reset your password:\n{{revoke_link}}\n',
 '<p>Hello {{first_name}},</p><p>Your account was signed in to from a new device ({{device}}, {{ip}}) at {{time}}.</p><p>If this was not you: <a href="{{revoke_link}}">sign out everywhere and reset my password</a>.</p>'),
('new_device_login', 'fr', 'Nouvelle connexion à votre compte',
 E'Bonjour {{first_name}},\n\nUne connexion à votre compte a eu lieu depuis un nouvel appareil ({{device}}, {{ip}}) le {{time}}.\nSi ce n''était pas vous, ouvrez ce lien pour fermer toutes les sessions et changer votre mot de passe :\n{{revoke_link}}\n',
 '<p>Bonjour {{first_name}},</p><p>Une connexion à votre compte a eu lieu depuis un nouvel appareil ({{device}}, {{ip}}) le {{time}}.</p><p>Si ce n''était pas vous : <a href="{{revoke_link}}">fermer toutes les sessions et changer mon mot de passe</a>.</p>'),
('email_change_notice', 'en', 'Your e-mail address is changing',
 E'Hello {{first_name}},\n\nThe e-mail address of your account is being changed to {{new_email}}.\nIf you did not ask for this, contact us at once.\n',
 '<p>Hello {{first_name}},</p><p>The e-mail address of your account is being changed to {{new_email}}.</p><p>If you did not ask for this, contact us at once.</p>'),
('email_change_notice', 'fr', 'Votre adresse e-mail va changer',
 E'Bonjour {{first_name}},\n\nL''adresse e-mail de votre compte est en train de devenir {{new_email}}.\nSi vous n''avez rien demandé, contactez-nous immédiatement.\n',
 '<p>Bonjour {{first_name}},</p><p>L''adresse e-mail de votre compte est en train de devenir {{new_email}}.</p><p>Si vous n''avez rien demandé, contactez-nous immédiatement.</p>');
