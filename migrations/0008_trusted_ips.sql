-- Trusted IP lists: as the account holder typed them (addresses, CIDR prefixes, address/netmask,
-- one per line or separated by ';'); empty means any address. Parsed and checked by the server.

ALTER TABLE staff ADD COLUMN trusted_ips text NOT NULL DEFAULT '' CHECK (length(trusted_ips) <= 10000);
ALTER TABLE customers ADD COLUMN trusted_ips text NOT NULL DEFAULT '' CHECK (length(trusted_ips) <= 10000);
