-- wrk: right-password sign-ins to the portal, rotating over ACCOUNTS customers
-- (bench-signin-1@example.com ...) that share PASSWORD, each from its own address (X-Forwarded-For;
-- the server trusts 127.0.0.1 as a proxy), as many people signing in at once do: one account, or one
-- address, alone is held to a few attempts in flight by the lockout and address slots.
local accounts = tonumber(os.getenv("ACCOUNTS"))
local password = os.getenv("PASSWORD"):gsub('\\', '\\\\'):gsub('"', '\\"')
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"login":"bench-signin-%d@example.com","password":"%s","realm":"portal"}',
    n % accounts + 1, password)
  local ip = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip }, body)
end
