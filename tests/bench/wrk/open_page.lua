-- Open pages of a live story, asking as static/js/live.js does: the update check, with the ETag the page holds
-- (a 304 while nothing changed); when the version it answers differs from the page's, once, what changed since
-- the version the page holds (…/updates/?since=N). Each wrk thread is one open page, its connections asking
-- for it in turn. Arguments after `--`: the check's path, the changes' path.
-- Per thread it counts the answers with something new (a check's 200, what changed) and their bytes, headers
-- included: what an open page fetches per update.

local check, changes
local held, wanted, asking, etag = "0", nil, false, nil -- as the page holds them

function init(args)
   check, changes = args[1], args[2]
   followed, fresh_bytes, checks_changed = 0, 0, 0 -- globals: thread_report reads them
end

function request()
   if wanted and not asking then
      asking = true
      return wrk.format("GET", changes .. (held ~= "0" and ("?since=" .. held) or ""))
   end
   local headers = {}
   for name, value in pairs(wrk.headers) do
      headers[name] = value
   end
   headers["If-None-Match"] = etag
   return wrk.format("GET", check, headers)
end

local function size(status, headers, body)
   local bytes = #body + 20
   for name, value in pairs(headers) do
      bytes = bytes + #name + #value + 4
   end
   return bytes
end

function response(status, headers, body)
   if status ~= 200 then
      return
   end
   if headers["Surrogate-Key"] then -- what changed: a page of the page cache (the check is not one)
      followed = followed + 1
      fresh_bytes = fresh_bytes + size(status, headers, body)
      held, wanted, asking = wanted or held, nil, false
      return
   end
   local version = body:match('"version": *(%d+)')
   if version and not etag then -- the first answer: the version the page was rendered with
      held, etag = version, headers["ETag"]
      return
   end
   if version and headers["ETag"] ~= etag then
      checks_changed = checks_changed + 1
      fresh_bytes = fresh_bytes + size(status, headers, body)
      etag = headers["ETag"]
   end
   if version and version ~= held and not asking then
      wanted = version
   end
end

function thread_report(thread)
   return string.format('{"followed":%d,"fresh_bytes":%d,"checks_changed":%d}',
      thread:get("followed"), thread:get("fresh_bytes"), thread:get("checks_changed"))
end
