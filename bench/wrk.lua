-- wrk script of `python -m bench run`. The requests come from the file in
-- BENCH_REQUESTS, one per line: METHOD <tab> PATH <tab> API-KEY <tab> SESSION <tab>
-- JSON BODY (key, session token and body may be empty; a session goes as the web
-- app's cookie with its X-Requested-With). They are sent in turn, from a random start.
local requests = {}
local next_index = 1

-- Each thread (wrk -t) starts from a random place of its own.
local threads = 0
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

function init(args)
  local file = assert(io.open(os.getenv("BENCH_REQUESTS"), "r"))
  for line in file:lines() do
    local method, path, key, session, body =
      line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if key ~= "" then headers["api-key"] = key end
    if session ~= "" then
      headers["Cookie"] = "microblog_session=" .. session
      headers["X-Requested-With"] = "microblog"
    end
    if body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/json"
    end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  file:close()
  math.randomseed(os.time() * 16 + (thread_number or 0))
  next_index = math.random(#requests)
end

function request()
  local chosen = requests[next_index]
  next_index = next_index % #requests + 1
  return chosen
end

-- One line of JSON that `bench run` reads; latencies in microseconds.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
