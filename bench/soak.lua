-- soak.lua — wrk script of bench/soak.sh: one of three kinds of traffic (SOAK_MODE), each
-- thread with its own state, and a count of replies by status printed at the end.
--   read:  GETs of reference data (served from the cache after the first) and of uncached
--          reads (progress lists, reports, the change feed, health, metrics) in turn
--   write: per thread, a record's life: POST, PATCH (If-Match), return, PATCH again, approve,
--          GET it and its history; then the next record
--   bad:   requests that must be refused: no or bad token, bad JSON, unknown path or method,
--          bad query, a write outside the unit, a PATCH without If-Match
-- Environment: SOAK_MODE, READER, REPORTER, SUPERVISOR, OUTSIDER (a reporter of another
-- unit), MEASURES (comma-separated ids led by the reporter's unit), PLAN (a plan id),
-- SOAK_DELAY_MS (pause before each request, default 2).
local mode = os.getenv("SOAK_MODE")
local delay_ms = tonumber(os.getenv("SOAK_DELAY_MS") or "2")
local ids = {}
for id in string.gmatch(os.getenv("MEASURES"), "[^,]+") do ids[#ids + 1] = id end
local plan = os.getenv("PLAN")
local function auth(name) return "Bearer " .. os.getenv(name) end

local threads = {}
local thread_count = 0
function setup(thread)
  thread:set("thread_no", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

-- Per thread (each runs its own copy of this script).
statuses = {}
local counter = 0
local step = 0
local record, etag = nil, nil

function delay() return delay_ms end

local function get(path, token)
  return wrk.format("GET", path, {["Authorization"] = auth(token or "READER")})
end

local function json(method, path, token, body, extra)
  local h = {["Authorization"] = auth(token), ["Content-Type"] = "application/json"}
  for k, v in pairs(extra or {}) do h[k] = v end
  return wrk.format(method, path, h, body)
end

local reads = {
  function() return get("/v1/measures/" .. ids[(counter % #ids) + 1]) end,
  function() return get("/v1/plans") end,
  function() return get("/v1/units?limit=50") end,
  function() return get("/v1/measures?limit=50") end,
  function() return get("/v1/tasks?limit=20") end,
  function() return get("/v1/progress?limit=20&measure_id=" .. ids[(counter % #ids) + 1]) end,
  function() return get("/v1/reports/summary?plan_id=" .. plan) end,
  function() return get("/v1/reports/overdue?plan_id=" .. plan) end,
  function() return get("/v1/changes?limit=50") end,
  function() return wrk.format("GET", "/healthz") end,
  function() return wrk.format("GET", "/metrics") end,
}

local bads = {
  function() return wrk.format("GET", "/v1/measures") end, -- 401 no token
  function() return wrk.format("GET", "/v1/plans", {["Authorization"] = "Bearer x.y.z"}) end,
  function() return json("POST", "/v1/progress", "REPORTER", '{"measure_id":') end, -- 400
  function() return get("/v1/no-such-thing") end, -- 404
  function() return get("/v1/measures/999999999") end, -- 404
  function() return json("DELETE", "/v1/progress", "REPORTER", "") end, -- 405
  function() return get("/v1/measures?limit=abc") end, -- 400
  function() return get("/v1/measures?cursor=not-a-cursor") end, -- 400
  function() -- 403: a reporter of another unit writes to these measures
    return json("POST", "/v1/progress", "OUTSIDER", string.format(
      '{"measure_id":%s,"period":"2001-01","status":"on_track","summary":"outside"}', ids[1]))
  end,
  function() return json("PATCH", "/v1/progress/1", "REPORTER", '{"summary":"x"}') end, -- 428
  function() -- 400: a batch with a duplicated column
    return wrk.format("POST", "/v1/progress/batch", {["Authorization"] = auth("REPORTER"),
      ["Content-Type"] = "text/csv"}, "measure_id,measure_id\n1,1\n")
  end,
}

local function write_request()
  local n = counter * 8 + thread_no
  if step == 0 or record == nil then
    step = 0
    local k = math.floor(n / #ids)
    local body = string.format(
      '{"measure_id":%s,"period":"%04d-%02d","status":"on_track","summary":"soak %d"}',
      ids[(n % #ids) + 1], 1900 + math.floor(k / 12) % 5000, 1 + k % 12, n)
    return json("POST", "/v1/progress", "REPORTER", body)
  end
  local path = "/v1/progress/" .. record
  if step == 1 or step == 3 then
    return json("PATCH", path, "REPORTER", string.format('{"summary":"soak amended %d"}', n),
      {["If-Match"] = etag})
  elseif step == 2 then
    return json("POST", path .. "/review", "SUPERVISOR",
      '{"decision":"return","comment":"请补充佐证材料。"}', {["If-Match"] = etag})
  elseif step == 4 then
    return json("POST", path .. "/review", "SUPERVISOR", '{"decision":"approve"}')
  elseif step == 5 then
    return get(path)
  end
  return get(path .. "/history")
end

function request()
  counter = counter + 1
  if mode == "read" then return reads[(counter % #reads) + 1]() end
  if mode == "bad" then return bads[(counter % #bads) + 1]() end
  return write_request()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if mode ~= "write" then return end
  if status >= 300 then -- start over with a new record
    step, record = 0, nil
    return
  end
  if step == 0 then record = string.match(body, '"id"%s*:%s*(%d+)') end
  etag = headers["ETag"] or headers["Etag"] or headers["etag"] or etag
  step = (step + 1) % 7
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  local keys = {}
  for status in pairs(total) do keys[#keys + 1] = status end
  table.sort(keys)
  local parts = {}
  for _, status in ipairs(keys) do parts[#parts + 1] = status .. "=" .. total[status] end
  io.write(string.format("soak %s: %d requests, p50 %.2f ms, p99 %.2f ms, statuses %s\n",
    mode, summary.requests, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    table.concat(parts, " ")))
end
