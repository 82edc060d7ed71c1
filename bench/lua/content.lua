-- GET /app/tv/{codigo}/content for random TVs of the fleet.
-- args: <file of "CODE ETAG VERSAO" lines> <200|304>
-- 200: no validator (a cache hit answers the body); 304: If-None-Match is the
-- current ETag (the TV's revalidation).
local requests = {}

function init(args)
  math.randomseed(thread_id * 7919)
  local revalidate = args[2] == "304"
  for _, line in ipairs(read_lines(args[1])) do
    local f = split(line)
    local headers = {}
    if revalidate then
      headers["If-None-Match"] = f[2]
    end
    table.insert(requests, wrk.format("GET", "/app/tv/" .. f[1] .. "/content", headers))
  end
end

function request()
  return requests[math.random(#requests)]
end
