-- wrk script: GET /api/search?q=QUERY&mode=MODE&limit=10, cycling through a query file (one query a line);
-- with MODE "paths", GET each line of the file as a path instead (bench/scale's board pages).
-- Usage: wrk ... -s search.lua http://127.0.0.1:PORT -- MODE QUERYFILE
-- Each thread starts at a different offset in the file so that threads do not send the same query in lockstep.
-- done() prints one machine-readable line: RESULT requests duration_s rps p50_ms p90_ms p99_ms max_ms non2xx socket_errors

local counter = 1
local threads = {}

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local mode = args[1] or "hybrid"
  local file = args[2] or "queries.txt"
  paths = {}
  for line in io.lines(file) do
    if #line > 0 and mode == "paths" then
      table.insert(paths, line)
    elseif #line > 0 then
      table.insert(paths, "/api/search?q=" .. urlencode(line) .. "&mode=" .. mode .. "&limit=10")
    end
  end
  if #paths == 0 then error("no queries in " .. file) end
  counter = ((id or 0) * 997) % #paths + 1
end

function request()
  local path = paths[counter]
  counter = counter % #paths + 1
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT %d %.3f %.1f %.2f %.2f %.2f %.2f %d %d\n",
    summary.requests, s, summary.requests / s,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
