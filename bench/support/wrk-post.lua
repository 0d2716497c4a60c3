-- wrk script: POSTs one body (wrk's args after `--`: the body, its content type, then optionally
-- a header name and value that carry a credential) and counts responses by status. done()
-- prints one line, `WRK {json}`, with the percentiles of wrk's latency histogram (the figures
-- `--latency` prints, in whole microseconds) for bench/support/wrk.ts to read.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.body = args[1]
  wrk.headers["Content-Type"] = args[2]
  if args[3] ~= nil and args[3] ~= "" then
    wrk.headers[args[3]] = args[4]
  end
  ok = 0
  not_ok = 0
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local ok_total, not_ok_total = 0, 0
  for _, thread in ipairs(threads) do
    ok_total = ok_total + thread:get("ok")
    not_ok_total = not_ok_total + thread:get("not_ok")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK {"durationUs":%d,"requests":%d,"ok":%d,"notOk":%d,' ..
    '"socketErrors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
    '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f,"stdev":%.1f}}\n',
    summary.duration, summary.requests, ok_total, not_ok_total,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean, latency.stdev))
end
