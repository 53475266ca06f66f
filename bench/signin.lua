-- wrk: right-password sign-ins to the portal, rotating over ACCOUNTS customers
-- (bench-signin-1@example.com ...) that share PASSWORD, as many people signing in at once do: one
-- account, or one address, alone is held to a few attempts in flight by the lockout and address
-- slots. Each account signs in from an address of its own (X-Forwarded-For; the server trusts
-- 127.0.0.1 as a proxy): people coming back, so only an account's first sign-in is from a new device
-- (which queues a notice).
local accounts = tonumber(os.getenv("ACCOUNTS"))
local password = os.getenv("PASSWORD"):gsub('\\', '\\\\'):gsub('"', '\\"')
local n = 0
request = function()
  n = n + 1
  local account = n % accounts + 1
  local body = string.format('{"login":"bench-signin-%d@example.com","password":"%s","realm":"portal"}',
    account, password)
  local ip = string.format("10.0.%d.%d", math.floor(account / 250) % 256, account % 250 + 1)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip }, body)
end
