-- The portal's logo, uploaded by staff: one image, PNG, JPEG or WebP, at most 256 KiB.
CREATE TABLE branding_logo (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
	data bytea NOT NULL CHECK (length(data) BETWEEN 1 AND 262144),
	updated_at timestamptz NOT NULL DEFAULT now(),
	updated_by uuid REFERENCES staff (id) ON DELETE SET NULL
);
