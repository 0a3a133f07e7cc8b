-- One route under load, driven by bench/runner.py (see there for the environment it sets).
--
-- Every wrk thread has its own Lua state and, in the runner's set-up, exactly one connection, so
-- its requests go out one after another: the response to request k arrives before request k+1 is
-- written. Each thread may log in as its own user (BENCH_SESSIONS: one line per thread, fields
-- separated by tabs: cookie header, CSRF token, current rating score).
--
-- Writes:
--   comment  POST a new root comment; client_token = <nonce>-<thread>-4000-8000-<sequence>, so
--            the runner can tell which request created which row.
--   rating   POST a score that differs from the previous one (cycling 1..5 from the current score),
--            so that every successful request really changes the rating.
--
-- done() prints one line "BENCH_JSON {...}" with the totals, latency percentiles (microseconds)
-- and, per thread, requests sent, 2xx and other statuses.

local threads = {}
local counter = 0

local function split(text, separator)
  local parts = {}
  if text == nil or text == "" then
    return parts
  end
  for part in (text .. separator):gmatch("(.-)" .. separator) do
    table.insert(parts, part)
  end
  return parts
end

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

function init(args)
  method = os.getenv("BENCH_METHOD") or "GET"
  path = os.getenv("BENCH_PATH") or "/"
  kind = os.getenv("BENCH_KIND") or "read"
  body_prefix = os.getenv("BENCH_BODY") or ""
  nonce = os.getenv("BENCH_NONCE") or "00000000"
  headers = {}
  for _, line in ipairs(split(os.getenv("BENCH_HEADERS") or "", "\n")) do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then
      headers[name] = value
    end
  end
  start_score = 3
  local sessions = split(os.getenv("BENCH_SESSIONS") or "", "\n")
  if #sessions > 0 then
    local fields = split(sessions[((index - 1) % #sessions) + 1], "\t")
    headers["Cookie"] = fields[1]
    if fields[2] and fields[2] ~= "" then
      headers["X-CSRFToken"] = fields[2]
    end
    start_score = tonumber(fields[3] or "3") or 3
  end
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  sent = 0
  ok = 0
  other = 0
end

local function body_for(sequence)
  if kind == "comment" then
    return body_prefix .. "&client_token=" .. string.format("%s-%04x-4000-8000-%012x", nonce, index, sequence)
  elseif kind == "rating" then
    return body_prefix .. "&score=" .. tostring(((start_score - 1 + sequence) % 5) + 1)
  end
  return nil
end

function request()
  if index == 1 and not checked then
    -- wrk calls request() once in the first thread's state to check the script before the run
    -- (script_verify_request); that request is never sent, so it takes no number.
    checked = true
    return wrk.format(method, path, headers, body_for(0))
  end
  sent = sent + 1
  return wrk.format(method, path, headers, body_for(sent))
end

function response(status, response_headers, response_body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local per_thread = {}
  for _, thread in ipairs(threads) do
    table.insert(
      per_thread,
      string.format(
        '{"index":%d,"sent":%d,"ok":%d,"other":%d}',
        thread:get("index"),
        thread:get("sent"),
        thread:get("ok"),
        thread:get("other")
      )
    )
  end
  local errors = summary.errors
  io.write(
    "BENCH_JSON ",
    string.format(
      '{"requests":%d,"duration_us":%d,"bytes":%d,'
        .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
        .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"threads":[%s]}',
      summary.requests,
      summary.duration,
      summary.bytes,
      errors.connect,
      errors.read,
      errors.write,
      errors.status,
      errors.timeout,
      latency:percentile(50),
      latency:percentile(90),
      latency:percentile(99),
      latency.max,
      latency.mean,
      table.concat(per_thread, ",")
    ),
    "\n"
  )
end
