-- Post replies: each request takes the next unused form body from a file written by bench.py (one
-- url-encoded body per line, each with its own signed timestamp, email and text), so no two are alike.
-- Arguments after `--`: the file, the first line to use, how many threads share it, the CSRF cookie.
-- Threads take interleaved lines (thread k: first+k-1, first+k-1+threads, ...), so none overlap.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local bodies, index, stride

function init(args)
   bodies = {}
   for line in io.lines(args[1]) do
      bodies[#bodies + 1] = line
   end
   stride = tonumber(args[3])
   index = tonumber(args[2]) + id - 1
   wrk.headers["Cookie"] = "csrftoken=" .. args[4]
   sent, redirected, other, exhausted = 0, 0, 0, 0
end

function request()
   local body = bodies[index]
   if body then
      index = index + stride
   else
      -- Out of fresh bodies: repeat the last, which the server refuses as a duplicate (counted as "other").
      exhausted = exhausted + 1
      body = bodies[#bodies]
   end
   sent = sent + 1
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   if status == 303 then
      redirected = redirected + 1
   else
      other = other + 1
   end
end

function thread_report(thread)
   return string.format('{"sent":%d,"s303":%d,"other":%d,"exhausted":%d}',
      thread:get("sent"), thread:get("redirected"), thread:get("other"), thread:get("exhausted"))
end
