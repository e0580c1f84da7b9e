-- A newsroom's readers: each request GETs an address drawn at random from a weighted list, and a share of
-- them carry the cookies of a reader who has posted a reply (the signed reply-author token among them).
-- Arguments after `--`: the addresses file (one "weight path" a line), the cookies file (one Cookie header
-- value a line, each a different reader's browser), the share of requests with cookies (0.05), a seed.

local plain, personal, share

local function lines(path)
   local found = {}
   for line in io.lines(path) do
      if line ~= "" then
         found[#found + 1] = line
      end
   end
   return found
end

local function format(path, cookie)
   local headers = {}
   for name, value in pairs(wrk.headers) do
      headers[name] = value
   end
   headers["Cookie"] = cookie
   return wrk.format("GET", path, headers)
end

function init(args)
   -- Every request is formatted here once: request() only draws one.
   plain, personal = {}, {}
   local cookies = lines(args[2])
   for _, line in ipairs(lines(args[1])) do
      local weight, path = line:match("^(%d+) (.+)$")
      for _ = 1, tonumber(weight) do
         plain[#plain + 1] = format(path, nil)
         local jar = {}
         for _, cookie in ipairs(cookies) do
            jar[#jar + 1] = format(path, cookie)
         end
         personal[#personal + 1] = jar
      end
   end
   share = tonumber(args[3])
   sent, cookied = 0, 0  -- globals: thread_report reads them
   math.randomseed(tonumber(args[4]) + id)
end

function request()
   local n = math.random(#plain)
   sent = sent + 1
   if math.random() < share then
      cookied = cookied + 1
      local jar = personal[n]
      return jar[math.random(#jar)]
   end
   return plain[n]
end

function thread_report(thread)
   return string.format('{"sent":%d,"cookied":%d}', thread:get("sent"), thread:get("cookied"))
end
