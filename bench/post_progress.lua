-- wrk script: POST /v1/progress with a fresh (measure, period) on every request.
-- MEASURES (comma-separated ids) and TOKEN come from the environment; YEAR0 (default 1900)
-- is the first period's year, so that runs with different YEAR0 write different records;
-- OFFSET (default 0) moves the keys along within it, for runs on the same data;
-- IDEMPOTENCY=1 sends a fresh Idempotency-Key with every request.
local ids = {}
for id in string.gmatch(os.getenv("MEASURES"), "[^,]+") do ids[#ids + 1] = id end
local token = os.getenv("TOKEN")
local year0 = tonumber(os.getenv("YEAR0") or "1900")
local idempotency = os.getenv("IDEMPOTENCY") == "1"
local counter = tonumber(os.getenv("OFFSET") or "0")
thread_no = 0 -- global: setup() gives each thread its own number

function setup(thread)
  thread:set("thread_no", thread_no)
  thread_no = thread_no + 1
end

function request()
  counter = counter + 1
  local n = counter * 4 + thread_no
  local id = ids[(n % #ids) + 1]
  local k = math.floor(n / #ids)
  local period = string.format("%04d-%02d", year0 + math.floor(k / 12) % 8000, 1 + k % 12)
  local body = string.format(
    '{"measure_id":%s,"period":"%s","status":"on_track","summary":"bench %d"}',
    id, period, n)
  local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json"}
  if idempotency then
    headers["Idempotency-Key"] = string.format("bench-%d-%d", year0, n)
  end
  return wrk.format("POST", "/v1/progress", headers, body)
end
