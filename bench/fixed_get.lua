-- wrk script: GET PATH with TOKEN, each thread stopping after COUNT responses, so that a run
-- is a fixed amount of work and its wall time can be compared (bench/statements.sh).
local path, token = os.getenv("PATH_URL"), os.getenv("TOKEN")
local limit, seen = tonumber(os.getenv("COUNT")), 0

function request()
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end

function response(status)
  if status ~= 200 then error("status " .. status) end
  seen = seen + 1
  if seen >= limit then wrk.thread:stop() end
end
