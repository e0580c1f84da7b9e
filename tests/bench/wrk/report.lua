-- Shared by every benchmark script: number the threads, and at the end print one line of JSON
-- (prefixed BENCH_JSON) with the exact totals, so nothing is parsed from wrk's rounded text.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

wrk.headers["Accept-Encoding"] = "gzip"

function done(summary, latency, requests)
   local e = summary.errors
   local extra = ""
   if thread_report then
      local parts = {}
      for _, thread in ipairs(threads) do
         table.insert(parts, thread_report(thread))
      end
      extra = ',"threads":[' .. table.concat(parts, ",") .. "]"
   end
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}%s}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      extra))
end
