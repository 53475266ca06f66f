-- wrk: right-password sign-ins to the portal, rotating over ACCOUNTS customers
-- (bench-signin-1@example.com ...) that share PASSWORD, as many people signing in at once do: one
-- account alone is held to a few parallel attempts by its lockout slots.
local accounts = tonumber(os.getenv("ACCOUNTS"))
local password = os.getenv("PASSWORD"):gsub('\\', '\\\\'):gsub('"', '\\"')
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"login":"bench-signin-%d@example.com","password":"%s","realm":"portal"}',
    n % accounts + 1, password)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end
