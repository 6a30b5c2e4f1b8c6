-- wrk script: POST /v1/progress with a (measure, period) never used before, each thread
-- stopping after COUNT responses (bench/statements.sh). RUN_FILE holds a counter that every
-- run moves on, so that runs do not collide with each other's records.
local ids = {}
for id in string.gmatch(os.getenv("MEASURES"), "[^,]+") do ids[#ids + 1] = id end
local token = os.getenv("TOKEN")
local limit, seen, counter = tonumber(os.getenv("COUNT")), 0, 0
local f = io.open(os.getenv("RUN_FILE"), "r")
local run = tonumber(f and f:read("*l") or "0") or 0
if f then f:close() end
f = io.open(os.getenv("RUN_FILE"), "w")
f:write(tostring(run + 1))
f:close()
thread_no = 0

function setup(thread)
  thread:set("thread_no", thread_no)
  thread_no = thread_no + 1
end

function request()
  counter = counter + 1
  -- run, thread and request number make the slot unique: 64 threads, 4096 requests a run
  local n = (run * 64 + thread_no) * 4096 + counter
  local id = ids[(n % #ids) + 1]
  local k = math.floor(n / #ids)
  local period = string.format("%04d-%02d", 1900 + math.floor(k / 12) % 8000, 1 + k % 12)
  local body = string.format(
    '{"measure_id":%s,"period":"%s","status":"on_track","summary":"bench %d"}', id, period, n)
  return wrk.format("POST", "/v1/progress", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json"}, body)
end

function response(status)
  if status ~= 201 then error("status " .. status) end
  seen = seen + 1
  if seen >= limit then wrk.thread:stop() end
end
